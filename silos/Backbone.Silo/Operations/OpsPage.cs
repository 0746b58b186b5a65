using System.Security.Cryptography;

namespace Backbone.Silo.Operations;

/// <summary>
/// The operations page (一屏观天下) at <c>/ops/</c> on the web port: one self-contained HTML page whose
/// script signs staff in through the sign-on (code + PKCE, client <see cref="ClientId"/>), then reads the
/// JSON gateway: the unit tree with open and overdue cases and the three rates, redrawn as cases move
/// (the page follows WatchUnitCases), a directive form with its coverage filling in (WatchDirective),
/// and peak mode. Nothing is fetched from anywhere else; the script runs under a per-response nonce.
/// </summary>
public static class OpsPage
{
    public const string ClientId = "ops-console";
    public const string Path = "/ops/";

    private static readonly string Template = Load();

    public static void MapOperationsPage(this WebApplication app)
    {
        app.MapGet("/ops", (HttpContext http) => // also answers /ops/, the address the sign-on returns to
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            http.Response.Headers.ContentSecurityPolicy =
                $"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers["Referrer-Policy"] = "no-referrer"; // the sign-in code is in the address once
            return Results.Content(Template.Replace("{{NONCE}}", nonce, StringComparison.Ordinal), "text/html; charset=utf-8");
        });
    }

    private static string Load()
    {
        using var stream = typeof(OpsPage).Assembly.GetManifestResourceStream("Backbone.Silo.Operations.ops.html")
            ?? throw new InvalidOperationException("The operations page is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Replace("{{CLIENT}}", ClientId, StringComparison.Ordinal);
    }
}

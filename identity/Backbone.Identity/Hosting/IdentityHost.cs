using Backbone.Client;
using Backbone.Identity.Accounts;
using Backbone.Identity.Seeding;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Backbone.Identity.Hosting;

/// <summary>
/// The provider on its own (<c>dotnet run --project identity/Backbone.Identity</c>): 127.0.0.1:5001 by
/// default, data under <c>Backbone:DataDirectory</c>. Backbones trust it with
/// <c>Backbone:Identity:Mode=External</c> and <c>Backbone:Identity:Authority=&lt;its URL&gt;</c>.
/// </summary>
public static class IdentityHost
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var settings = LoadSettings(builder.Configuration);
        var listenAddress = builder.Configuration["Backbone:ListenAddress"] ?? "127.0.0.1";
        var dataDirectory = Path.GetFullPath(builder.Configuration["Backbone:DataDirectory"] ?? "data");
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(System.Net.IPAddress.Parse(listenAddress), settings.Port, listen => listen.Protocols = HttpProtocols.Http1));
        // This host has no settings file of its own (its project is also a library the silo references, and
        // would bring the file along): the quiet log levels the silo's appsettings.json sets, in code.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        var issuer = IdentityHosting.IssuerFor(settings, listenAddress, settings.Port);
        builder.Services.AddBackboneIdentity(settings, dataDirectory, issuer);
        if (settings.BackboneAddress.Length > 0)
        {
            var registrar = settings.Clients.SingleOrDefault(c => c.ClientId == settings.RegistrarClientId)
                ?? throw new InvalidOperationException(
                    $"Invalid configuration: {IdentitySettings.Section}:RegistrarClientId must name a seeded client with a secret and scope citizen.register");
            builder.Services.AddBackboneClient(client =>
            {
                client.Address = new Uri(settings.BackboneAddress);
                client.Authority = issuer;
                client.ClientId = registrar.ClientId;
                client.ClientSecret = registrar.Secret;
                client.Scopes.Add(BackboneScopes.CitizenRegister);
            });
            builder.Services.AddScoped<ICitizenRegistrar, BackboneCitizenRegistrar>();
        }
        else
        {
            builder.Services.AddSingleton<ICitizenRegistrar, NoCitizenRegister>();
        }

        var app = builder.Build();
        app.UseBackboneIdentityErrorPages();
        app.UseAuthentication();
        app.MapBackboneIdentity();
        app.MapGet("/healthz", () => Results.Text("Healthy"));
        // Ready once every configured account exists (seeded citizens wait for the backbone to answer).
        app.MapGet("/readyz", (IdentitySeeder seeder) => seeder.AllSeeded
            ? Results.Text("Healthy")
            : Results.Text("Seeding the configured accounts", statusCode: StatusCodes.Status503ServiceUnavailable));
        return app;
    }

    /// <summary>Binds and checks <c>Backbone:Identity</c>; throws naming every bad key.</summary>
    public static IdentitySettings LoadSettings(IConfiguration configuration)
    {
        IdentitySettings settings;
        try
        {
            settings = configuration.GetSection(IdentitySettings.Section).Get<IdentitySettings>(b => b.ErrorOnUnknownConfiguration = true) ?? new();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"Invalid configuration: {e.Message}", e);
        }

        var errors = settings.Validate();
        return errors.Count == 0 ? settings : throw new InvalidOperationException("Invalid configuration: " + string.Join("; ", errors));
    }
}

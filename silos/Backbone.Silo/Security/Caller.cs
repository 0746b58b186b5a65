using System.Security.Claims;
using Backbone.Grains.Abstractions.Access;
using Backbone.Identity;
using Grpc.Core;

namespace Backbone.Silo.Security;

/// <summary>Who is calling, read from a validated access token.</summary>
public sealed record Caller(string Kind, string Subject, string ClientId, IReadOnlySet<string> Scopes, string? Role, string? Unit)
{
    public bool IsCitizen => Kind == CallerKinds.Citizen;

    public bool IsStaff => Kind == CallerKinds.Staff;

    /// <summary>Whose calls a rate limit counts together; made once per validated token, not per call.</summary>
    public string LimitKey { get; } = $"{Kind}:{Subject}";

    public static Caller FromPrincipal(ClaimsPrincipal principal)
    {
        string? Claim(string type) => principal.FindFirst(type)?.Value;
        // RFC 9068: "scope" is one space-separated claim; accept it split into several too.
        var scopes = principal.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
        return new Caller(
            Claim(BackboneClaims.Kind) ?? string.Empty,
            Claim("sub") ?? string.Empty,
            Claim("client_id") ?? string.Empty,
            scopes,
            Claim("role"),
            Claim(BackboneClaims.Unit));
    }
}

public static class CallerContext
{
    private static readonly object Key = new();

    /// <summary>The caller the authorization interceptor admitted for this call.</summary>
    public static Caller Caller(this ServerCallContext context) =>
        context.GetHttpContext().Items[Key] as Caller ?? throw new InvalidOperationException("The call was not authorized by CallerAuthorizationInterceptor.");

    internal static void SetCaller(this ServerCallContext context, Caller caller) => context.GetHttpContext().Items[Key] = caller;
}

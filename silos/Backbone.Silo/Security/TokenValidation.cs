using Backbone.Identity;
using Backbone.Identity.Hosting;
using Backbone.Identity.Keys;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Silo.Security;

/// <summary>
/// How the backbone checks access tokens: a JWT signed by the identity provider (RS256 or another
/// asymmetric algorithm, never <c>none</c>), typed <c>at+jwt</c>, from the configured issuer, for the
/// audience <c>backbone</c>, within its lifetime. Checked in-process: no call to the provider per request.
/// </summary>
public static class TokenValidation
{
    public static void AddBackboneTokenValidation(this IServiceCollection services, IdentitySettings settings, Uri issuer, IdentityKeys? embeddedKeys)
    {
        services.AddAuthentication().AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, bearer =>
        {
            bearer.MapInboundClaims = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = issuer.ToString(),
                ValidAudience = BackboneClaims.Audience,
                ValidTypes = ["at+jwt"], // an ID token or any other JWT of the provider is not an access token
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256],
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = "name",
                RoleClaimType = "role",
            };
            if (embeddedKeys is not null)
            {
                // Same process as the provider: its signing key, without fetching our own JWKS over HTTP.
                bearer.TokenValidationParameters.IssuerSigningKey = embeddedKeys.Signing;
            }
            else
            {
                // A separate provider: discovery and JWKS fetched once, cached, and refetched when an unknown key id appears.
                bearer.Authority = settings.Authority;
                bearer.RequireHttpsMetadata = !new Uri(settings.Authority).IsLoopback;
            }
        });
    }
}

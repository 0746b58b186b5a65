using Backbone.Identity.Accounts;
using Backbone.Identity.Endpoints;
using Backbone.Identity.Keys;
using Backbone.Identity.Seeding;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backbone.Identity.Hosting;

/// <summary>Registers and maps the OpenID Connect provider; the silo host (embedded) and the stand-alone host share it.</summary>
public static class IdentityHosting
{
    /// <summary>
    /// Adds the provider. <paramref name="dataDirectory"/> holds identity.db (unless a connection string is
    /// configured) and, under keys/, the signing, encryption and data-protection keys.
    /// The caller registers an <see cref="ICitizenRegistrar"/>.
    /// </summary>
    public static IdentityKeys AddBackboneIdentity(this IServiceCollection services, IdentitySettings settings, string dataDirectory, Uri issuer)
    {
        var keysDirectory = Path.Combine(dataDirectory, "keys");
        KeyFile.CreateOwnerOnlyDirectory(keysDirectory);
        var keys = IdentityKeys.Load(settings, keysDirectory);
        var connectionString = settings.ConnectionString.Length > 0
            ? settings.ConnectionString
            : $"Data Source={Path.Combine(dataDirectory, "identity.db")}";

        services.AddSingleton(settings);
        services.AddSingleton(keys);
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<AccountService>();
        services.AddSingleton<IdentitySeeder>();
        services.AddHostedService(provider => provider.GetRequiredService<IdentitySeeder>());
        services.AddSingleton<IdentityWriteGate>();
        services.AddDbContext<IdentityDbContext>(db =>
        {
            db.UseSqlite(connectionString);
            db.UseOpenIddict();
        });

        // Sign-in cookies and antiforgery tokens stay valid across restarts.
        var dataProtectionKeys = Path.Combine(keysDirectory, "data-protection");
        KeyFile.CreateOwnerOnlyDirectory(dataProtectionKeys);
        services.AddDataProtection()
            .SetApplicationName("backbone-identity")
            .PersistKeysToFileSystem(new DirectoryInfo(dataProtectionKeys));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "backbone.antiforgery";
            options.FormFieldName = "__antiforgery";
        });
        services.AddAuthentication().AddCookie(IdentityCookie.Scheme, cookie =>
        {
            cookie.Cookie.Name = "backbone.sso";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = AccountEndpoints.LoginPath;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
        });

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDbContext>())
            .AddServer(server =>
            {
                server.SetIssuer(issuer);
                server.SetAuthorizationEndpointUris(ConnectEndpoints.AuthorizePath[1..])
                    .SetTokenEndpointUris(ConnectEndpoints.TokenPath[1..])
                    .SetUserInfoEndpointUris(ConnectEndpoints.UserInfoPath[1..])
                    .SetEndSessionEndpointUris(ConnectEndpoints.EndSessionPath[1..])
                    .SetIntrospectionEndpointUris(ConnectEndpoints.IntrospectionPath[1..])
                    .SetRevocationEndpointUris(ConnectEndpoints.RevocationPath[1..]);

                server.AllowAuthorizationCodeFlow().AllowClientCredentialsFlow().AllowRefreshTokenFlow();
                server.RequireProofKeyForCodeExchange();
                // S256 only: a "plain" challenge is the verifier itself and protects nothing.
                server.Configure(options =>
                {
                    options.CodeChallengeMethods.Clear();
                    options.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
                });
                server.RegisterScopes([Scopes.OpenId, Scopes.Profile, Scopes.Phone, Scopes.OfflineAccess, .. BackboneScopes.All]);
                server.RegisterClaims([Claims.Subject, Claims.Name, Claims.Role, Claims.PhoneNumber, BackboneClaims.Kind, BackboneClaims.Unit]);

                server.SetAccessTokenLifetime(settings.AccessTokenLifetime);
                server.SetRefreshTokenLifetime(settings.RefreshTokenLifetime);
                // A redeemed refresh token presented again is a stolen one: no grace period, the whole family is revoked.
                server.SetRefreshTokenReuseLeeway(TimeSpan.Zero);

                // ID tokens are not stored: nothing revokes or introspects them, and on every refresh their
                // entry was one more write to the single-writer database (docs/benchmarks.md, token-refresh).
                server.AddEventHandler<OpenIddictServerEvents.GenerateTokenContext>(handler => handler
                    .UseInlineHandler(context =>
                    {
                        if (context.TokenType == TokenTypeIdentifiers.IdentityToken)
                        {
                            context.CreateTokenEntry = false;
                        }

                        return default;
                    })
                    .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 1));

                server.AddSigningKey(keys.Signing);
                server.AddEncryptionKey(keys.Encryption);
                // Access tokens are signed JWTs (RFC 9068) that the backbone checks locally with the published keys.
                server.DisableAccessTokenEncryption();

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableStatusCodePagesIntegration()
                    // Loopback HTTP here; in production TLS ends at the proxy in front (set Issuer to its https URL).
                    .DisableTransportSecurityRequirement();
            });

        return keys;
    }

    /// <summary>
    /// Renders, as a page, the errors OpenIddict must not send back to an app (an unknown client or an
    /// unregistered redirect_uri). Call before UseAuthentication.
    /// </summary>
    public static void UseBackboneIdentityErrorPages(this IApplicationBuilder app) =>
        app.UseStatusCodePages(context =>
            context.HttpContext.Request.Path.StartsWithSegments(ConnectEndpoints.AuthorizePath, StringComparison.OrdinalIgnoreCase)
            && context.HttpContext.GetOpenIddictServerResponse() is { } response
            ? ConnectEndpoints.ErrorPage(context.HttpContext, response.Error, response.ErrorDescription).ExecuteAsync(context.HttpContext)
            : Task.CompletedTask);

    /// <summary>Maps the provider's pages and endpoints; call after UseAuthentication.</summary>
    public static void MapBackboneIdentity(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapConnectEndpoints();
        endpoints.MapAccountEndpoints();
    }

    /// <summary>The issuer URL: the configured one, else this host's own address.</summary>
    public static Uri IssuerFor(IdentitySettings settings, string listenAddress, int port) =>
        new(settings.Issuer.Length > 0 ? settings.Issuer : $"http://{listenAddress}:{port}/");
}

using System.Security.Claims;
using Backbone.Grains.Abstractions.Access;
using Backbone.Silo.Gateway;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Orleans.Dashboard;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backbone.Silo.Operations;

/// <summary>
/// The cluster view: the Orleans Dashboard at <c>/dashboard/</c> on the web port, for city administrators
/// only. The dashboard is a browser page that calls its own JSON endpoints, so it needs a cookie, not a
/// bearer token: the operations page posts a city administrator's access token to <see cref="SessionPath"/>,
/// which checks it and answers with a cookie scoped to <c>/dashboard</c> that lasts no longer than the token.
/// The dashboard's grain-state reader is refused: it would show a citizen's record without a purpose and
/// without the access log.
/// </summary>
public static class ClusterDashboard
{
    public const string Path = "/dashboard";
    public const string SessionPath = "/ops/dashboard-session";
    public const string CookieName = "backbone.dashboard";

    private const string Scheme = "dashboard";
    private static readonly TimeSpan MaxSession = TimeSpan.FromHours(1);

    public static void AddClusterDashboard(this ISiloBuilder silo, BackboneOptions options)
    {
        if (!options.Dashboard.Enabled)
        {
            return;
        }

        // Grain-method profiling runs only while someone has the dashboard open (it stops a minute or two after the last
        // look); the silo counters likewise, through ClusterViewCounters: the dashboard's host starts with the silo (it
        // wakes the dashboard's grains) but no longer joins the silo's lifecycle, at whose start it would begin reading them.
        silo.AddDashboard();
        var hostType = silo.Services.FirstOrDefault(s => s.ServiceType.FullName == DashboardHostType)?.ServiceType;
        var joinsLifecycle = silo.Services.Where(s => s.ServiceType == typeof(ILifecycleParticipant<ISiloLifecycle>) && hostType is not null && Resolves(s, hostType)).ToList();
        var profilerType = hostType?.Assembly.GetType(ProfilerType);
        var profilerOn = profilerType?.GetProperty("IsEnabled")?.GetMethod;
        if (hostType is null || joinsLifecycle.Count != 1 || profilerOn is null)
        {
            throw new InvalidOperationException(
                $"The Orleans Dashboard no longer registers {DashboardHostType} as a silo lifecycle participant, or has no {ProfilerType}.IsEnabled: ClusterViewCounters needs changing.");
        }

        silo.Services.Remove(joinsLifecycle[0]);
        silo.Services.AddSingleton(services =>
        {
            var profiler = services.GetRequiredService(profilerType!);
            return ActivatorUtilities.CreateInstance<ClusterViewCounters>(services,
                (ILifecycleParticipant<ISiloLifecycle>)services.GetRequiredService(hostType), () => (bool)profilerOn.Invoke(profiler, null)!);
        });
        silo.Services.AddHostedService(services => services.GetRequiredService<ClusterViewCounters>());
    }

    /// <summary>The dashboard's grain-call profiler, which the dashboard switches on in every silo while anyone looks.</summary>
    private const string ProfilerType = "Orleans.Dashboard.Metrics.IGrainProfiler";

    /// <summary>The dashboard's host: it wakes the dashboard's grains, and at a silo lifecycle stage starts its once-a-second metrics reader.</summary>
    private const string DashboardHostType = "Orleans.Dashboard.DashboardHost";

    /// <summary>A registration that forwards to <paramref name="type"/>'s (Orleans' AddFromExisting: a factory holding the type).</summary>
    private static bool Resolves(ServiceDescriptor service, Type type) =>
        service.ImplementationFactory?.Target?.GetType().GetFields().Any(f => ReferenceEquals(f.GetValue(service.ImplementationFactory.Target), type)) == true;

    public static void AddClusterDashboardSession(this IServiceCollection services)
    {
        services.AddAuthorization();
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.Path = Path;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.SlidingExpiration = false;
            cookie.ExpireTimeSpan = MaxSession;
            cookie.Events.OnRedirectToLogin = redirect =>
            {
                // The page itself goes to the operations page to sign in; its data calls just fail.
                if (redirect.Request.Path == Path || redirect.Request.Path == Path + "/" || redirect.Request.Path == Path + "/index.html")
                {
                    redirect.Response.Redirect(OpsPage.Path);
                }
                else
                {
                    redirect.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }

                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToAccessDenied = denied =>
            {
                denied.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
    }

    public static void MapClusterDashboard(this WebApplication app, BackboneOptions options)
    {
        if (!options.Dashboard.Enabled)
        {
            return;
        }

        app.MapPost(SessionPath, OpenSessionAsync);
        app.MapOrleansDashboard(routePrefix: Path)
            .RequireAuthorization(policy => policy
                .AddAuthenticationSchemes(Scheme)
                .RequireClaim(Claims.Role, StaffRoles.CityAdmin))
            .AddEndpointFilter(async (call, next) =>
            {
                await call.HttpContext.RequestServices.GetRequiredService<ClusterViewCounters>().LookedAtAsync(call.HttpContext.RequestAborted);
                if (call.HttpContext.Request.Path.Value?.EndsWith("/GrainState", StringComparison.OrdinalIgnoreCase) != true)
                {
                    return await next(call);
                }

                await JsonStatus.WriteAsync(call.HttpContext, StatusCodes.Status403Forbidden, 7,
                    "Grain state holds personal data: it is read through the services, with a purpose and an access-log entry.");
                return Results.Empty;
            });
    }

    private static async Task OpenSessionAsync(HttpContext http)
    {
        var bearer = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!bearer.Succeeded || bearer.Principal is null)
        {
            await JsonStatus.WriteAsync(http, StatusCodes.Status401Unauthorized, 16, "Send a city administrator's access token as the bearer token.");
            return;
        }

        var caller = Caller.FromPrincipal(bearer.Principal);
        if (!caller.IsStaff || caller.Role != StaffRoles.CityAdmin)
        {
            await JsonStatus.WriteAsync(http, StatusCodes.Status403Forbidden, 7, "The cluster view is for city administrators.");
            return;
        }

        var identity = new ClaimsIdentity(Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, caller.Subject));
        identity.AddClaim(new Claim(Claims.Role, StaffRoles.CityAdmin));
        var tokenExpires = bearer.Properties?.ExpiresUtc ?? DateTimeOffset.UtcNow;
        var maxExpires = DateTimeOffset.UtcNow + MaxSession;
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties
        {
            ExpiresUtc = tokenExpires < maxExpires ? tokenExpires : maxExpires,
            IsPersistent = false,
        });
        http.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}

using System.Diagnostics.Metrics;
using Backbone.Grains.Cases;
using Backbone.Grains.Catalog;
using Backbone.Grains.Certificates;
using Backbone.Grains.Circle;
using Backbone.Grains.Grid;
using Backbone.Grains.Privacy;
using Backbone.Identity.Accounts;
using Backbone.Identity.Hosting;
using Backbone.Identity.Keys;
using Backbone.Silo.Access;
using Backbone.Silo.Cases;
using Backbone.Silo.Catalog;
using Backbone.Silo.Certificates;
using Backbone.Silo.Circle;
using Backbone.Silo.Citizens;
using Backbone.Silo.Enterprises;
using Backbone.Silo.Errors;
using Backbone.Silo.Gateway;
using Backbone.Silo.Grid;
using Backbone.Silo.Metrics;
using Backbone.Silo.Operations;
using Backbone.Silo.Security;
using Backbone.Silo.Storage;
using Grpc.AspNetCore.Web;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.FeatureManagement;
using OpenTelemetry.Metrics;

namespace Backbone.Silo.Hosting;

/// <summary>Builds the host: Kestrel (gRPC and web ports) and the Orleans silo in one process.</summary>
public static class BackboneHost
{
    public static WebApplication Create(string[] args)
    {
        // Settings files sit beside the binary; data/ stays relative to the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (builder.Configuration["Backbone:RuntimeSettingsFile"] is { Length: > 0 } runtimeSettings)
        {
            // Last, so what ops switch there wins; re-read whenever the file changes.
            builder.Configuration.AddJsonFile(Path.GetFullPath(runtimeSettings), optional: true, reloadOnChange: true);
        }

        var options = BackboneOptions.Load(builder.Configuration);

        builder.AddBackboneKestrel(options);
        builder.AddBackboneSilo(options);
        builder.AddBackboneIdentity(options);
        builder.AddBackboneGrpc(options);

        var app = builder.Build();
        if (options.Identity.Mode == IdentityModes.Embedded)
        {
            // The provider's pages and cookies live on the web port. Calls check their bearer token in
            // CallerAuthorizationInterceptor and skip this middleware: gRPC calls on their port, and JSON and gRPC-Web
            // calls on this one, where OpenIddict's request handler (is this one of my endpoints?) took 28 % of a node
            // refusing JSON calls in peak mode, and as much of a JSON call's cost (docs/benchmarks.md).
            app.UseWhen(http => http.Connection.LocalPort == options.Ports.Web && !GatewayRequests.IsCall(http.Request), web =>
            {
                web.UseBackboneIdentityErrorPages();
                web.UseAuthentication();
            });
        }

        app.UsePeakModeRefusal(); // before anything else a call would cost

        // The web port also serves the JSON gateway and gRPC-Web, to the browser origins configured.
        app.UseRouting();
        app.UseCors();
        app.UseWebPeakModeRefusal(); // JSON and gRPC-Web calls, once routed and given their CORS headers
        app.UseGrpcWebTextCheck();
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.UseJsonRequestCheck();
        app.UseAuthorization(); // only the cluster view's endpoints carry a policy; gRPC calls pass straight through

        // WebApplication adds UseAuthentication to the whole pipeline unless told it is placed; left
        // there, OpenIddict's request handler would run on every gRPC call (it cost ~40% of Health/Check).
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;

        app.MapBackboneEndpoints(options);
        return app;
    }

    private static void AddBackboneKestrel(this WebApplicationBuilder builder, BackboneOptions options)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.ListenIPAddress, options.Ports.Grpc, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(options.ListenIPAddress, options.Ports.Web, listen => listen.Protocols = HttpProtocols.Http1);
        });
    }

    private static void AddBackboneSilo(this WebApplicationBuilder builder, BackboneOptions options)
    {
        var dataDirectory = DataDirectory.Open(options.DataDirectory);
        var hashKey = options.Privacy.IdNumberHashKey.Length > 0
            ? Convert.FromBase64String(options.Privacy.IdNumberHashKey)
            : dataDirectory.LoadOrCreateKey("id-number-hash.key");

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => dataDirectory); // a factory, so the container releases the lock on dispose
        builder.Services.AddSingleton(new KeyedHasher(hashKey));
        builder.Services.AddSingleton(TimeProvider.System);
        var grid = GridSeed.Load(Path.Combine(AppContext.BaseDirectory, options.Grid.SeedFile));
        builder.Services.AddSingleton(grid);
        builder.Services.AddSingleton(options.Circle.FacilitySeedFile.Length > 0
            ? FacilitySeed.Load(Path.Combine(AppContext.BaseDirectory, options.Circle.FacilitySeedFile), grid)
            : FacilitySeed.Empty);
        builder.Services.AddSingleton<CellReader>();
        var catalog = ServiceCatalog.Load(Path.Combine(AppContext.BaseDirectory, options.Catalog.SeedFile));
        builder.Services.AddSingleton(catalog);
        var configured = options.Cases.Categories.Select(c => new CaseCategory(
            c.Code, c.Name, Enum.Parse<Grains.Abstractions.Grid.UnitLevel>(c.Level), c.AcceptWithin, c.ResolveWithin, c.RateWithin,
            Enum.Parse<Grains.Abstractions.Cases.CaseKind>(c.Kind))).ToList();
        if (configured.FirstOrDefault(c => catalog.FindMatter(c.Code) is not null) is { } clash)
        {
            throw new InvalidOperationException(
                $"Invalid configuration: Backbone:Cases:Categories: {clash.Code} is also a matter of the catalogue ({options.Catalog.SeedFile}); give it another code");
        }

        // The catalogue's matters are the service items applications name; the configured rows add appeal categories (and items of one's own).
        builder.Services.AddSingleton(new CaseCategories([.. configured, .. catalog.ToServiceItems()]));
        builder.Services.AddSingleton<CertificateIssuer>();
        builder.Services.AddSingleton<ApplicationIntake>();
        builder.Services.AddSingleton<CaseFiling>();
        builder.Services.AddSingleton<DataAccessRecorder>();
        builder.Services.AddSingleton(new CaseDeadlineSettings(options.Cases.DeadlineCheckPeriod));
        builder.Services.AddSingleton(new CaseArchiveSettings(options.Cases.ArchiveChunkSize, options.Cases.ArchiveAfter));
        builder.Services.AddSingleton(new DirectiveInboxSettings(options.Grid.InboxChunkSize, options.Grid.InboxSealAfter));
        builder.Services.Configure<ReminderOptions>(reminders =>
            reminders.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(reminders.MinimumReminderPeriod.Ticks, options.Cases.DeadlineCheckPeriod.Ticks)));

        GrainInterfaceTypeCache.AddTo(builder.Services);
        CollectionExpressionCodec.AddTo(builder.Services);
        builder.UseOrleans(silo =>
        {
            silo.AddBackboneCluster(options, builder.Configuration);
            silo.AddClusterDashboard(options);
        });
    }

    /// <summary>
    /// Token checks for every RPC and, in embedded mode, the provider itself. Registered after the silo, so
    /// the provider's seeding (which creates demo citizens in the grains) starts once the silo runs.
    /// </summary>
    private static void AddBackboneIdentity(this WebApplicationBuilder builder, BackboneOptions options)
    {
        IdentityKeys? embeddedKeys = null;
        if (options.Identity.Mode == IdentityModes.Embedded)
        {
            var dataDirectory = Path.GetFullPath(options.DataDirectory);
            embeddedKeys = builder.Services.AddBackboneIdentity(options.Identity, dataDirectory, options.TrustedIssuer);
            builder.Services.AddSingleton<ICitizenRegistrar, GrainCitizenRegistrar>();
        }

        builder.Services.AddBackboneTokenValidation(options.Identity, options.TrustedIssuer, embeddedKeys);
        builder.Services.AddClusterDashboardSession();
    }

    private static void AddBackboneGrpc(this WebApplicationBuilder builder, BackboneOptions options)
    {
        builder.Services.AddSingleton<ValidatedTokens>();
        builder.Services.AddSingleton<CallerRateLimits>();
        builder.Services.AddSingleton<PeakMode>();
        builder.Services.AddFeatureManagement(); // flags from the FeatureManagement section, re-read on change
        builder.Services.AddSingleton<FeatureGate>();
        builder.Services.Configure<BackboneOptions.FeatureSettings>(builder.Configuration.GetSection("Backbone:Features"));
        builder.Services.Configure<BackboneOptions.PeakModeSettings>(builder.Configuration.GetSection("Backbone:Gateway:PeakMode"));
        // Singletons: otherwise gRPC builds each interceptor anew for every call.
        builder.Services.AddSingleton<RpcMetrics>();
        builder.Services.AddSingleton<CallerAuthorizationInterceptor>();
        builder.Services.AddSingleton<ErrorMappingInterceptor>();
        builder.Services.AddSingleton<TextFieldsInterceptor>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = RequestSize.MaxBytes;
            grpc.Interceptors.Add<RpcMetrics>(); // first, so it sees every refusal too
            grpc.Interceptors.Add<CallerAuthorizationInterceptor>();
            grpc.Interceptors.Add<ErrorMappingInterceptor>();
            grpc.Interceptors.Add<TextFieldsInterceptor>(); // inside the mapping, which turns its refusal into INVALID_ARGUMENT
        }).AddJsonTranscoding(json => json.TypeRegistry = JsonStatus.ErrorDetails); // the JSON gateway: every RPC with a google.api.http route
        // Metrics for Prometheus at /metrics: every RPC (RpcMetrics), the city's cases by state, Orleans
        // (activations, messages), the runtime.
        builder.Services.AddHostedService<CaseCountsGauge>();
        builder.Services.AddHostedService<DirectiveNetwork>();
        builder.Services.AddSingleton<NodeDeaths>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NodeDeaths>());
        builder.Services.AddSingleton<ObserverRelay>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BackboneMeter.Name, "Microsoft.Orleans")
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) =>
        {
            // This host's meters only. OpenTelemetry listens to meters by name, process-wide: beside another host
            // in the process (as the tests run them) a node's /metrics also counted that host's RPCs, and a test
            // once found a node's own RPC series missing there altogether.
            var own = services.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument =>
                instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null);
        });

        builder.Services.AddJsonGatewayOpenApi();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. options.Gateway.AllowedOrigins.Select(o => o.TrimEnd('/'))])
            .AllowAnyMethod()
            .WithHeaders("authorization", "content-type", "x-grpc-web", "x-user-agent", "grpc-timeout")
            .WithExposedHeaders("grpc-status", "grpc-message", "grpc-status-details-bin", "retry-after")));
        builder.Services.AddGrpcReflection();
        // The store's check is one instance (registered with the store), so its reused answer is shared.
        builder.Services.AddGrpcHealthChecks().AddCheck<StorageHealthCheck>("storage");
        builder.Services.RefuseUnreadableRequests(); // after every AddGrpc*: each registers grpc-dotnet's binder again
    }

    private static void MapBackboneEndpoints(this WebApplication app, BackboneOptions options)
    {
        if (options.Identity.Mode == IdentityModes.Embedded)
        {
            app.MapBackboneIdentity();
        }

        app.MapGrpcService<CitizenService>();
        app.MapGrpcService<GridService>();
        app.MapGrpcService<CaseService>();
        app.MapGrpcService<ServiceCircleService>();
        app.MapGrpcService<EnterpriseService>();
        app.MapGrpcService<CertificateService>();
        app.MapGrpcService<CatalogService>();
        app.MapGrpcService<OperationsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();

        // Liveness: the process answers. Readiness: the checks (storage) pass too.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz");
        app.MapPrometheusScrapingEndpoint(); // /metrics
        app.MapSwagger("openapi/{documentName}.json"); // /openapi/v1.json; an endpoint, not a middleware every call passes
        app.MapOperationsPage(); // /ops/
        app.MapClusterDashboard(options); // /dashboard/, city administrators
        app.MapGet("/peakz", (PeakMode peak) => Results.Json(new { peakMode = peak.IsOn, callsInFlight = peak.CallsInFlight }));
    }
}

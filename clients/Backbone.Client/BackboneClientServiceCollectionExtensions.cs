using Backbone.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Backbone.Client;

public static class BackboneClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers the backbone's typed gRPC clients (inject <see cref="CitizenService.CitizenServiceClient"/>,
    /// <see cref="GridService.GridServiceClient"/>, <see cref="CaseService.CaseServiceClient"/>,
    /// <see cref="EnterpriseService.EnterpriseServiceClient"/>, <see cref="CertificateService.CertificateServiceClient"/>,
    /// <see cref="CatalogService.CatalogServiceClient"/>).
    /// Every call carries a bearer token (client credentials, or the citizen's token in delegated mode),
    /// gets <see cref="BackboneClientOptions.DefaultDeadline"/> when it sets no deadline, and calls that are
    /// safe to repeat are retried on UNAVAILABLE with backoff.
    /// </summary>
    public static IServiceCollection AddBackboneClient(this IServiceCollection services, Action<BackboneClientOptions> configure)
    {
        services.AddOptions<BackboneClientOptions>().Configure(configure).Validate(o =>
        {
            o.Validate();
            return true;
        });
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(ClientCredentialsTokenSource.HttpClientName);
        services.TryAddSingleton<ClientCredentialsTokenSource>();

        AddClient<CitizenService.CitizenServiceClient>(services);
        AddClient<GridService.GridServiceClient>(services);
        AddClient<CaseService.CaseServiceClient>(services);
        AddClient<EnterpriseService.EnterpriseServiceClient>(services);
        AddClient<CertificateService.CertificateServiceClient>(services);
        AddClient<CatalogService.CatalogServiceClient>(services);
        return services;
    }

    private static void AddClient<TClient>(IServiceCollection services)
        where TClient : class =>
        services.AddGrpcClient<TClient>(ConfigureClient)
            .ConfigureChannel(ConfigureChannel)
            .AddInterceptor(sp => new DefaultDeadlineInterceptor(sp.GetRequiredService<IOptions<BackboneClientOptions>>().Value.DefaultDeadline))
            .AddCallCredentials(AddTokenAsync);

    private static void ConfigureClient(IServiceProvider services, Grpc.Net.ClientFactory.GrpcClientFactoryOptions client) =>
        client.Address = services.GetRequiredService<IOptions<BackboneClientOptions>>().Value.Address;

    private static void ConfigureChannel(IServiceProvider services, Grpc.Net.Client.GrpcChannelOptions channel)
    {
        var options = services.GetRequiredService<IOptions<BackboneClientOptions>>().Value;
        // Tokens over cleartext only to loopback (tests, a sidecar); anything else must use TLS.
        channel.UnsafeUseInsecureChannelCallCredentials = options.Address!.IsLoopback;
        var retried = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = options.MaxAttempts,
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(2),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        // Registration and submission are idempotent by request_id, reads are safe, citizen and unit
        // updates set values. Case actions (accept, reply, ...) are never repeated by the SDK.
        retried.Names.Add(new MethodName { Service = CitizenService.Descriptor.FullName });
        retried.Names.Add(new MethodName { Service = GridService.Descriptor.FullName });
        retried.Names.Add(new MethodName { Service = CatalogService.Descriptor.FullName });
        foreach (var method in new[] { "GetEnterprise", "ListEnterpriseLicences" })
        {
            retried.Names.Add(new MethodName { Service = EnterpriseService.Descriptor.FullName, Method = method });
        }

        foreach (var method in new[] { "ListMyCertificates", "VerifyCertificate" })
        {
            retried.Names.Add(new MethodName { Service = CertificateService.Descriptor.FullName, Method = method });
        }

        foreach (var method in new[] { "SubmitAppeal", "SubmitApplication", "GetCase", "ListMyCases", "ListCases", "GetUnitStats" })
        {
            retried.Names.Add(new MethodName { Service = CaseService.Descriptor.FullName, Method = method });
        }

        channel.ServiceConfig = new ServiceConfig { MethodConfigs = { retried } };
    }

    private static async Task AddTokenAsync(AuthInterceptorContext context, Metadata metadata, IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<BackboneClientOptions>>().Value;
        var token = options.AccessTokenProvider is { } provider
            ? await provider(services, context.CancellationToken)
            : await services.GetRequiredService<ClientCredentialsTokenSource>().GetTokenAsync(context.CancellationToken);
        metadata.Add("Authorization", $"Bearer {token}");
    }

    /// <summary>Gives a deadline to every call that has none, so no call waits forever on a stuck server.</summary>
    private sealed class DefaultDeadlineInterceptor(TimeSpan deadline) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithDeadline(context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, WithDeadline(context));

        private ClientInterceptorContext<TRequest, TResponse> WithDeadline<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class =>
            context.Options.Deadline is null
                ? new(context.Method, context.Host, context.Options.WithDeadline(DateTime.UtcNow + deadline))
                : context;
    }
}

using Backbone.Client;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Backbone.Tests.Client;

/// <summary>The .NET SDK against a real node: tokens, delegation and deadlines.</summary>
public sealed class ClientSdkTests
{
    private const string CitizenScopes = "openid profile offline_access citizen.profile";

    [Fact]
    public async Task The_client_SDK_gets_caches_and_sends_client_credentials_tokens()
    {
        await using var node = await BackboneNode.StartAsync();
        var registered = await node.Citizens.RegisterCitizenAsync(TestData.Registration());
        var tokenRequests = new CountingHandler();
        var services = new ServiceCollection();
        services.AddBackboneClient(client =>
        {
            client.Address = new Uri($"http://127.0.0.1:{node.Settings.GrpcPort}");
            client.Authority = node.Identity.Provider;
            client.ClientId = TestIdentity.Partner;
            client.ClientSecret = TestIdentity.PartnerSecret;
            client.Scopes.Add("citizen.profile");
        });
        services.AddHttpClient(ClientCredentialsTokenSource.HttpClientName).AddHttpMessageHandler(() => tokenRequests);
        await using var provider = services.BuildServiceProvider();
        var citizens = provider.GetRequiredService<CitizenService.CitizenServiceClient>();

        var first = await citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });
        var second = await citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });

        Assert.Equal(registered, first);
        Assert.Equal(registered, second);
        Assert.Equal(1, tokenRequests.TokenRequests); // one token, kept for both calls
    }

    [Fact]
    public async Task The_client_SDK_acts_for_a_signed_in_citizen_with_their_token()
    {
        await using var node = await BackboneNode.StartAsync();
        await using var provider = await SdkForCitizen(node);

        var me = await provider.GetRequiredService<CitizenService.CitizenServiceClient>().GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });

        Assert.Equal("测试市民", me.Name);
    }

    [Fact]
    public async Task The_client_SDK_gives_every_call_a_deadline()
    {
        await using var node = await BackboneNode.StartAsync();
        var token = await node.Identity.PartnerTokenAsync();
        var services = new ServiceCollection();
        services.AddBackboneClient(client =>
        {
            client.Address = new Uri($"http://127.0.0.1:{node.Settings.GrpcPort}");
            client.AccessTokenProvider = (_, _) => ValueTask.FromResult(token);
            client.DefaultDeadline = TimeSpan.FromTicks(1);
        });
        await using var provider = services.BuildServiceProvider();
        var citizens = provider.GetRequiredService<CitizenService.CitizenServiceClient>();

        await RpcAssert.Fails(StatusCode.DeadlineExceeded, () => citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }).ResponseAsync);
        // The caller's own deadline wins: this call reaches the server (and is refused there, a partner has no "me").
        await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
    }

    [Fact]
    public async Task The_client_SDK_does_not_repeat_a_call_peak_mode_refused_but_leaves_the_retry_to_the_app()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with { ExtraArgs = ["--Backbone:Gateway:PeakMode:Enabled=true"] });
        await using var provider = await SdkForCitizen(node);
        var citizens = provider.GetRequiredService<CitizenService.CitizenServiceClient>();

        // A deferrable call the SDK would retry on UNAVAILABLE (up to four attempts), and an essential one.
        var refused = await RpcAssert.Fails(StatusCode.Unavailable, () => citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest()).ResponseAsync);
        var me = await citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });

        using var web = new HttpClient { BaseAddress = node.Identity.Provider };
        var counted = await Eventually.Get(async () => (await web.GetStringAsync("/metrics")).Split('\n').SingleOrDefault(line =>
            line.StartsWith("backbone_rpc_server_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("rpc_method=\"ListMyDataAccess\"", StringComparison.Ordinal)), "The refusal never showed in /metrics.");
        Assert.Contains("rpc_grpc_status_code=\"Unavailable\"", counted, StringComparison.Ordinal);
        Assert.EndsWith(" 1", counted, StringComparison.Ordinal); // sent once, not four times into the flood
        Assert.Equal(TimeSpan.FromSeconds(5), refused.GetRpcStatus()!.GetDetail<RetryInfo>()!.RetryDelay.ToTimeSpan()); // when the app may try again
        Assert.Equal("测试市民", me.Name);
    }

    /// <summary>The SDK in citizen-delegated mode, with the demo citizen's token from the mini-program's sign-in.</summary>
    private static async Task<ServiceProvider> SdkForCitizen(BackboneNode node)
    {
        var citizen = await node.Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);
        var services = new ServiceCollection();
        services.AddBackboneClient(client =>
        {
            client.Address = new Uri($"http://127.0.0.1:{node.Settings.GrpcPort}");
            client.AccessTokenProvider = (_, _) => ValueTask.FromResult(citizen.AccessToken!);
        });
        return services.BuildServiceProvider();
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        public int TokenRequests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/connect/token", StringComparison.Ordinal))
            {
                TokenRequests++;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

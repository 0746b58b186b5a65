using Backbone.Client;
using Backbone.Tests.Support;
using Backbone.V1;
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
        var citizen = await node.Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);
        var services = new ServiceCollection();
        services.AddBackboneClient(client =>
        {
            client.Address = new Uri($"http://127.0.0.1:{node.Settings.GrpcPort}");
            client.AccessTokenProvider = (_, _) => ValueTask.FromResult(citizen.AccessToken!);
        });
        await using var provider = services.BuildServiceProvider();

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

        await RpcAssert.Fails(Grpc.Core.StatusCode.DeadlineExceeded, () => citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }).ResponseAsync);
        // The caller's own deadline wins: this call reaches the server (and is refused there, a partner has no "me").
        await RpcAssert.Fails(Grpc.Core.StatusCode.InvalidArgument,
            () => citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
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

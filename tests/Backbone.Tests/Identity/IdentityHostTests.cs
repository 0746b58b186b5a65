using Backbone.Client;
using Backbone.Identity.Hosting;
using Backbone.Tests.Support;
using Backbone.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Backbone.Tests.Identity;

/// <summary>Nodes of their own: restarts, the stand-alone identity host, and the client SDK.</summary>
public sealed class IdentityHostTests
{
    private const string CitizenScopes = "openid profile offline_access citizen.profile";

    [Fact]
    public async Task A_restart_keeps_issued_tokens_and_refresh_tokens_valid()
    {
        var fresh = NodeSettings.Fresh();
        var settings = fresh with { Issuer = $"http://127.0.0.1:{fresh.WebPort}/" };
        string partnerToken, refreshToken, citizenId;
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            partnerToken = await node.Identity.PartnerTokenAsync();
            var citizen = await node.Identity.SignInAsync(
                TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);
            refreshToken = citizen.RefreshToken!;
            citizenId = (await node.CitizensAs(citizen.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" })).CitizenId;
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var read = await restarted.CitizensAs(partnerToken).GetCitizenAsync(new GetCitizenRequest { CitizenId = citizenId });
        var refreshed = IdentityClient.Ensure(await restarted.Identity.RefreshAsync(TestIdentity.MiniProgram, refreshToken));
        var me = await restarted.CitizensAs(refreshed.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });

        Assert.Equal("测试市民", read.Name);
        Assert.Equal(citizenId, me.CitizenId);
    }

    [Fact]
    public async Task A_backbone_trusts_a_stand_alone_identity_host_which_signs_citizens_up_in_it()
    {
        var identityPort = FreePorts.Take(1)[0];
        var authority = $"http://127.0.0.1:{identityPort}/";
        var nodeSettings = NodeSettings.Fresh() with { Authority = authority };
        // The backbone first: the identity host registers its seeded citizens there as it starts.
        await using var node = await BackboneNode.StartAsync(nodeSettings, fetchPartnerToken: false);
        var identity = IdentityHost.Create(
        [
            $"--Backbone:DataDirectory={Path.Combine(nodeSettings.DataDirectory, "identity-host")}",
            $"--Backbone:Identity:Port={identityPort}",
            $"--Backbone:Identity:BackboneAddress=http://127.0.0.1:{nodeSettings.GrpcPort}",
            "--Backbone:Identity:RegistrarClientId=registrar",
            "--Backbone:Identity:Clients:5:ClientId=registrar",
            "--Backbone:Identity:Clients:5:Secret=registrar-secret-for-tests",
            "--Backbone:Identity:Clients:5:Scopes:0=citizen.register",
            "--Logging:LogLevel:Default=Warning",
            .. TestIdentity.Args(),
        ]);
        await identity.StartAsync();
        try
        {
            using var tokens = new IdentityClient(new Uri(authority));
            var partner = tokens.ClientCredentialsAsync(TestIdentity.Partner, TestIdentity.PartnerSecret);
            var account = NewAccount.Fresh("Zhang Wei");
            using var browser = new BrowserSession(new Uri(authority));
            await browser.SignUpAsync(account);
            var signedIn = await tokens.SignInAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, account.Mobile, account.Password);

            var me = await node.CitizensAs(signedIn.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });
            var byPartner = await node.CitizensAs(IdentityClient.Ensure(await partner).AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = me.CitizenId });

            Assert.Equal("Zhang Wei", me.Name);
            Assert.Equal(me, byPartner);
            Assert.Equal(authority, TestTokens.Payload(signedIn.AccessToken!).GetProperty("iss").GetString());
        }
        finally
        {
            await identity.StopAsync();
            await identity.DisposeAsync();
        }
    }

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

        var first = await citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = registered.CitizenId });
        var second = await citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = registered.CitizenId });

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

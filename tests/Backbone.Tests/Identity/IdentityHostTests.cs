using Backbone.Identity.Hosting;
using Backbone.Tests.Support;
using Backbone.V1;
using Microsoft.AspNetCore.Builder;

namespace Backbone.Tests.Identity;

/// <summary>Nodes of their own: restarts and the stand-alone identity host.</summary>
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
}

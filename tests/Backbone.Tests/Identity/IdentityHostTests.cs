using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Backbone.Identity.Hosting;
using Backbone.Identity.Keys;
using Backbone.Silo.Hosting;
using Backbone.Tests.Support;
using Backbone.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

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
        var read = await restarted.CitizensAs(partnerToken).GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = citizenId });
        var refreshed = IdentityClient.Ensure(await restarted.Identity.RefreshAsync(TestIdentity.MiniProgram, refreshToken));
        var me = await restarted.CitizensAs(refreshed.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });

        Assert.Equal("测试市民", read.Name);
        Assert.Equal(citizenId, me.CitizenId);
    }

    [Fact]
    public async Task A_node_upgraded_with_the_RSA_key_of_an_earlier_version_keeps_signing_RS256_with_it()
    {
        var settings = NodeSettings.Fresh();
        using var rsa = RSA.Create(2048);
        KeyFile.LoadOrCreate(Path.Combine(settings.DataDirectory, "keys", "identity-signing.pem"), () => Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem()));
        await using var node = await BackboneNode.StartAsync(settings);

        var token = await node.Identity.PartnerTokenAsync();
        var key = Assert.Single((await node.Identity.DiscoverAsync()).KeySet!.Keys);
        var registered = await node.CitizensAs(token).RegisterCitizenAsync(TestData.Registration());

        Assert.Equal("RS256", new JsonWebToken(token).Alg);
        Assert.Equal(Base64UrlEncoder.Encode(rsa.ExportParameters(false).Modulus), key.N);
        Assert.False(string.IsNullOrEmpty(registered.CitizenId));
    }

    [Fact]
    public async Task Configured_certificates_sign_and_encrypt_instead_of_generated_keys()
    {
        var settings = NodeSettings.Fresh();
        Directory.CreateDirectory(settings.DataDirectory);
        var signing = WriteCertificate(settings.DataDirectory, "signing.pfx", X509KeyUsageFlags.DigitalSignature);
        var encryption = WriteCertificate(settings.DataDirectory, "encryption.pfx", X509KeyUsageFlags.KeyEncipherment);
        var app = BackboneHost.Create(
        [
            .. settings.ToArgs(),
            $"--Backbone:Identity:SigningCertificate:Path={signing.Path}",
            "--Backbone:Identity:SigningCertificate:Password=test-pfx-password",
            $"--Backbone:Identity:EncryptionCertificate:Path={encryption.Path}",
            "--Backbone:Identity:EncryptionCertificate:Password=test-pfx-password",
        ]);
        await app.StartAsync();
        try
        {
            using var identity = new IdentityClient(new Uri($"http://127.0.0.1:{settings.WebPort}/"));
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{settings.GrpcPort}");
            var citizens = new CitizenService.CitizenServiceClient(channel.WithToken(await identity.PartnerTokenAsync()));

            var registered = await citizens.RegisterCitizenAsync(TestData.Registration());
            var key = Assert.Single((await identity.DiscoverAsync()).KeySet!.Keys);

            Assert.Equal(signing.Thumbprint, key.X5t);
            Assert.False(File.Exists(Path.Combine(settings.DataDirectory, "keys", "identity-signing.pem")));
            Assert.Equal(registered.Name, (await citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId })).Name);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_backbone_trusts_a_stand_alone_identity_host_which_signs_citizens_up_in_it()
    {
        var identityPort = FreePorts.Take(1)[0];
        var authority = $"http://127.0.0.1:{identityPort}/";
        var nodeSettings = NodeSettings.Fresh() with { Authority = authority };
        // The backbone first: the identity host registers its seeded citizens there as it starts.
        await using var node = await BackboneNode.StartAsync(nodeSettings, fetchPartnerToken: false);
        var identity = IdentityHost.Create(TestIdentity.StandAloneHostArgs(
            Path.Combine(nodeSettings.DataDirectory, "identity-host"), identityPort, nodeSettings.GrpcPort));
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
            var byPartner = await node.CitizensAs(IdentityClient.Ensure(await partner).AccessToken!).GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = me.CitizenId });

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

    /// <summary>A self-signed RSA certificate as a password-protected PKCS#12 file; gives its path and base64url SHA-1 thumbprint.</summary>
    private static (string Path, string Thumbprint) WriteCertificate(string directory, string name, X509KeyUsageFlags usage)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Backbone test identity", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = System.IO.Path.Combine(directory, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, "test-pfx-password"));
        return (path, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(certificate.GetCertHash()));
    }
}

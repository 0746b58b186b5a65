using System.Security.Cryptography;
using System.Text;
using Backbone.Identity.Hosting;
using Backbone.Identity.Keys;
using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Tests.Security;

/// <summary>
/// Tokens signed with the provider's real key but wrong in one way each, and tokens that were never
/// signed by it: every one is UNAUTHENTICATED, while the same token done right is accepted.
/// </summary>
[Collection(SharedNodeCollection.Name)]
public sealed class BadTokenTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    private string Issuer => Node.Identity.Provider.ToString();

    [Fact]
    public async Task A_well_formed_token_of_the_provider_is_accepted() =>
        await Node.CitizensAs(Forge()).GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = await RegisteredCitizenId() });

    public static TheoryData<string> BadKinds =>
    [
        "expired", "not yet valid", "wrong audience", "wrong issuer", "not an access token", "signed by another key", "alg none", "tampered", "garbage",
    ];

    [Theory]
    [MemberData(nameof(BadKinds))]
    public async Task A_bad_token_is_unauthenticated(string kind)
    {
        var now = DateTime.UtcNow;
        var token = kind switch
        {
            "expired" => Forge(notBefore: now.AddHours(-2), expires: now.AddHours(-1)),
            "not yet valid" => Forge(notBefore: now.AddHours(1), expires: now.AddHours(2)),
            "wrong audience" => Forge(audience: "another-api"),
            "wrong issuer" => Forge(issuer: "http://127.0.0.1:1/"),
            "not an access token" => Forge(type: "JWT"),
            "signed by another key" => Forge(key: new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = SigningKey().KeyId }),
            "alg none" => Unsigned(Forge()),
            "tampered" => Tamper(Forge()),
            _ => "not-a-jwt",
        };

        var call = Node.CitizensAs(token).GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = await RegisteredCitizenId() });

        await RpcAssert.Fails(StatusCode.Unauthenticated, () => call.ResponseAsync);
    }

    [Fact]
    public async Task An_id_token_is_not_an_access_token()
    {
        var tokens = await Node.Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, "openid profile citizen.profile", TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);

        await RpcAssert.Fails(StatusCode.Unauthenticated,
            () => Node.CitizensAs(tokens.IdentityToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }).ResponseAsync);
    }

    private async Task<string> RegisteredCitizenId() => (await Node.Citizens.RegisterCitizenAsync(TestData.Registration())).CitizenId;

    private SecurityKey SigningKey() =>
        IdentityKeys.Load(new IdentitySettings(), Path.Combine(Node.Settings.DataDirectory, "keys")).Signing;

    /// <summary>A partner token with scope citizen.profile, right in every way unless told otherwise.</summary>
    private string Forge(
        DateTime? notBefore = null, DateTime? expires = null, string audience = "backbone", string? issuer = null, string type = "at+jwt",
        SecurityKey? key = null)
    {
        var start = notBefore ?? DateTime.UtcNow.AddMinutes(-1);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = start,
            NotBefore = start,
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            TokenType = type,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = TestIdentity.Partner,
                ["client_id"] = TestIdentity.Partner,
                ["kind"] = "app",
                ["scope"] = "citizen.profile",
            },
            SigningCredentials = new SigningCredentials(key ?? SigningKey(), SecurityAlgorithms.EcdsaSha256),
        });
    }

    private static string Unsigned(string jwt)
    {
        var header = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"at+jwt"}"""));
        return $"{header}.{jwt.Split('.')[1]}.";
    }

    /// <summary>The same signature over a payload that now claims every scope.</summary>
    private static string Tamper(string jwt)
    {
        var parts = jwt.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("citizen.profile", "citizen.profile citizen.update", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}

using System.Security.Cryptography;
using System.Text;
using Duende.IdentityModel;

namespace Backbone.Tests.Support;

/// <summary>A PKCE verifier and its S256 challenge (RFC 7636).</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce Create()
    {
        var verifier = CryptoRandom.CreateUniqueId(32);
        return new Pkce(verifier, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Backbone.Identity.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Identity.Keys;

/// <summary>
/// The provider's signing and encryption keys: configured certificates, or keys generated once into
/// <c>&lt;DataDirectory&gt;/keys/</c>. Never ephemeral, so a restart keeps every issued token valid.
/// </summary>
public sealed class IdentityKeys
{
    private IdentityKeys(SecurityKey signing, SecurityKey encryption)
    {
        Signing = signing;
        Encryption = encryption;
    }

    /// <summary>Signs every token; its public half is published in the JWKS and checks access tokens at the backbone.</summary>
    public SecurityKey Signing { get; }

    /// <summary>Encrypts authorization codes and refresh tokens (access tokens are signed only, so resource servers can read them).</summary>
    public SecurityKey Encryption { get; }

    /// <remarks>
    /// A generated signing key is ECDSA P-256 (ES256): its signature is 86 characters where RS256's is 342,
    /// which takes a quarter off every access token. Clients send the token with every call, and HTTP/2
    /// clients send it uncompressible (never indexed), so the node decodes all of it each time: the RS256
    /// token cost a node refusing 15,000 calls/s a fifth of its CPU. A key file an earlier version
    /// generated stays RSA (RS256): upgrading invalidates no token.
    /// </remarks>
    public static IdentityKeys Load(IdentitySettings settings, string keysDirectory) => new(
        Load(settings.SigningCertificate, () => KeyFile.LoadOrCreateSigning(Path.Combine(keysDirectory, "identity-signing.pem")) switch
        {
            ECDsa ecdsa => new ECDsaSecurityKey(ecdsa),
            var rsa => new RsaSecurityKey((RSA)rsa), // the only other kind LoadOrCreateSigning reads
        }),
        Load(settings.EncryptionCertificate, () => new RsaSecurityKey(KeyFile.LoadOrCreateRsa(Path.Combine(keysDirectory, "identity-encryption.pem")))));

    private static SecurityKey Load(IdentitySettings.CertificateSettings certificate, Func<AsymmetricSecurityKey> generated)
    {
        if (certificate.Path.Length > 0)
        {
            var loaded = X509CertificateLoader.LoadPkcs12FromFile(certificate.Path, certificate.Password);
            return new X509SecurityKey(loaded);
        }

        var key = generated();
        // A stable key id (the RFC 7638 thumbprint), so cached JWKS entries keep matching after restarts.
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }
}

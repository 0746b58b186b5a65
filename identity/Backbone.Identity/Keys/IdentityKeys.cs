using System.Security.Cryptography.X509Certificates;
using Backbone.Identity.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Identity.Keys;

/// <summary>
/// The provider's signing and encryption keys: configured certificates, or RSA keys generated once into
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

    public static IdentityKeys Load(IdentitySettings settings, string keysDirectory) => new(
        Load(settings.SigningCertificate, Path.Combine(keysDirectory, "identity-signing.pem")),
        Load(settings.EncryptionCertificate, Path.Combine(keysDirectory, "identity-encryption.pem")));

    private static SecurityKey Load(IdentitySettings.CertificateSettings certificate, string keyFile)
    {
        if (certificate.Path.Length > 0)
        {
            var loaded = X509CertificateLoader.LoadPkcs12FromFile(certificate.Path, certificate.Password);
            return new X509SecurityKey(loaded);
        }

        var key = new RsaSecurityKey(KeyFile.LoadOrCreateRsa(keyFile));
        // A stable key id (the RFC 7638 thumbprint), so cached JWKS entries keep matching after restarts.
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }
}

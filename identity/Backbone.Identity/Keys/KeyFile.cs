using System.Security.Cryptography;

namespace Backbone.Identity.Keys;

/// <summary>Secrets kept as files readable by their owner only, created once at first use.</summary>
public static class KeyFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates a directory only its owner may enter (the parent directories too, if missing).</summary>
    public static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnly | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/>, first writing <paramref name="create"/>'s bytes there (mode 600,
    /// written to a temporary name and renamed, so a crash never leaves half a key) when it is missing.
    /// </summary>
    public static byte[] LoadOrCreate(string path, Func<byte[]> create)
    {
        CreateOwnerOnlyDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path))
        {
            var temp = path + ".new";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(create());
            }

            File.Move(temp, path);
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>An RSA key kept as a PKCS#8 PEM file, generated (2048 bits) at first use.</summary>
    public static RSA LoadOrCreateRsa(string path)
    {
        var pem = LoadOrCreate(path, () =>
        {
            using var rsa = RSA.Create(2048);
            return System.Text.Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem());
        });
        var key = RSA.Create();
        key.ImportFromPem(System.Text.Encoding.ASCII.GetString(pem));
        return key;
    }

    /// <summary>
    /// A signing key kept as a PEM file: generated at first use as an ECDSA P-256 key (ES256), read as
    /// whatever the file holds, so an RSA key an earlier version generated keeps signing (RS256).
    /// </summary>
    public static AsymmetricAlgorithm LoadOrCreateSigning(string path)
    {
        var pem = System.Text.Encoding.ASCII.GetString(LoadOrCreate(path, () =>
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return System.Text.Encoding.ASCII.GetBytes(ecdsa.ExportECPrivateKeyPem());
        }));
        AsymmetricAlgorithm key = pem.Contains("-----BEGIN EC PRIVATE KEY-----", StringComparison.Ordinal) ? ECDsa.Create() : RSA.Create();
        key.ImportFromPem(pem);
        return key;
    }
}

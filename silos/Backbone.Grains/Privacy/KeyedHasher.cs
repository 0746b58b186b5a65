using System.Security.Cryptography;
using System.Text;
using Backbone.Grains.Abstractions.Citizens;

namespace Backbone.Grains.Privacy;

/// <summary>
/// Turns personal data into stable keys that cannot be reversed or guessed without the secret key
/// (a plain hash of an ID number is reversible: there are only a few billion of them).
/// </summary>
public sealed class KeyedHasher
{
    public const int KeyBytes = 32;
    private readonly byte[] _key;

    public KeyedHasher(byte[] key)
    {
        if (key.Length < KeyBytes)
        {
            throw new ArgumentException($"The hashing key must be at least {KeyBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>The key of the ID-number index grain for this number.</summary>
    public string IdNumberKey(string canonicalIdNumber) => Hash("resident-id-number", canonicalIdNumber);

    /// <summary>A fingerprint of a registration, to tell a retry from a different request under a reused request id.</summary>
    public string Fingerprint(NewCitizen citizen) =>
        Hash("registration", string.Join('\u001f', citizen.Name, citizen.IdNumber, citizen.Phone, citizen.Address));

    /// <summary>
    /// The id of the case a citizen submits under a request id: as opaque as a random id
    /// (<see cref="OpaqueIds"/>, same form) to anyone without the key, and the same on a retry.
    /// </summary>
    public string CaseId(string citizenId, string requestId) => Hash("case-submission", $"{citizenId}:{requestId}")[..32];

    private string Hash(string purpose, string value)
    {
        var input = Encoding.UTF8.GetBytes(purpose + "\u001f" + value);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, input));
    }
}

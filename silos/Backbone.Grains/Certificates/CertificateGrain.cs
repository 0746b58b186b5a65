using System.Security.Cryptography;
using Backbone.Grains.Abstractions.Certificates;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Certificates;

[GenerateSerializer]
public sealed class CertificateRecord
{
    [Id(0)] public NewCertificate? Issued { get; set; }
    [Id(1)] public string VerificationCode { get; set; } = string.Empty;
    [Id(2)] public DateTimeOffset? RevokeTime { get; set; }
    [Id(3)] public string RevocationReason { get; set; } = string.Empty;
}

/// <summary>
/// One electronic certificate, keyed by its number. Its verification code is drawn once at issue and
/// shown only to its holder. Wrong codes are counted in memory per certificate: five within fifteen
/// minutes close verification of that certificate until the window passes (guessing an 8-character
/// code from 32 letters is then hopeless; a restart of the node resets the count, which still leaves
/// guessing hopeless).
/// </summary>
[GrainType("certificate")]
public sealed class CertificateGrain(
    [PersistentState("certificate")] IPersistentState<CertificateRecord> record,
    TimeProvider clock) : Grain, ICertificateGrain
{
    public const int MaxWrongCodes = 5;
    public static readonly TimeSpan WrongCodeWindow = TimeSpan.FromMinutes(15);
    private const string CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private readonly Queue<DateTimeOffset> _wrongCodes = new();

    private CertificateRecord Certificate => record.State;

    public async Task<CertificateSnapshot> Issue(NewCertificate certificate)
    {
        if (Certificate.Issued is not null)
        {
            return Certificate.Issued == certificate ? Snapshot() : throw DomainException.AlreadyExists($"Certificate {this.GetPrimaryKeyString()} is already issued.");
        }

        Certificate.Issued = certificate;
        Certificate.VerificationCode = RandomNumberGenerator.GetString(CodeAlphabet, 8);
        await record.WriteOrForgetAsync(this);
        return Snapshot();
    }

    public Task<CertificateSnapshot> Get() => Task.FromResult(Certificate.Issued is null ? throw NotFound() : Snapshot());

    public async Task<CertificateSnapshot> Revoke(string reason)
    {
        if (Certificate.Issued is null)
        {
            throw NotFound();
        }

        if (Certificate.RevokeTime is null)
        {
            Certificate.RevokeTime = clock.GetUtcNow();
            Certificate.RevocationReason = reason;
            await record.WriteOrForgetAsync(this);
        }

        return Snapshot();
    }

    public Task<CertificateVerification> Verify(string verificationCode)
    {
        var now = clock.GetUtcNow();
        while (_wrongCodes.TryPeek(out var oldest) && now - oldest >= WrongCodeWindow)
        {
            _wrongCodes.Dequeue();
        }

        if (_wrongCodes.Count >= MaxWrongCodes)
        {
            throw DomainException.ResourceExhausted(
                $"Too many wrong verification codes for this certificate; try again after {WrongCodeWindow.TotalMinutes:0} minutes.",
                _wrongCodes.Peek() + WrongCodeWindow - now);
        }

        if (Certificate.Issued is null
            || !CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(Certificate.VerificationCode), System.Text.Encoding.ASCII.GetBytes(verificationCode.ToUpperInvariant())))
        {
            _wrongCodes.Enqueue(now);
            throw NotFound();
        }

        var issued = Certificate.Issued;
        return Task.FromResult(new CertificateVerification(Snapshot().StatusAt(now), issued.Type, issued.TypeName, MaskName(issued.HolderName), issued.Holder));
    }

    /// <summary>
    /// Enough to recognise, too little to learn: a person's surname (张**), an organisation's first two
    /// and last four characters (成都****有限公司).
    /// </summary>
    public static string MaskName(string name)
    {
        var letters = System.Globalization.StringInfo.GetTextElementEnumerator(name);
        var elements = new List<string>();
        while (letters.MoveNext())
        {
            elements.Add(letters.GetTextElement());
        }

        return elements.Count <= 6
            ? elements[0] + new string('*', Math.Max(1, elements.Count - 1))
            : string.Concat(elements.Take(2)) + "****" + string.Concat(elements.TakeLast(4));
    }

    private DomainException NotFound() =>
        DomainException.NotFound($"No certificate {this.GetPrimaryKeyString()} matches that verification code.");

    private CertificateSnapshot Snapshot() =>
        new(this.GetPrimaryKeyString(), Certificate.Issued!, Certificate.VerificationCode, Certificate.RevokeTime, Certificate.RevocationReason);
}

[GenerateSerializer]
public sealed class CertificateHolderRecord
{
    [Id(0)] public List<string> Numbers { get; set; } = [];
}

/// <summary>The certificate numbers of one holder, kept as certificates are issued (nothing scans storage).</summary>
[GrainType("certificateholder")]
public sealed class CertificateHolderGrain(
    [PersistentState("certificate-holder")] IPersistentState<CertificateHolderRecord> record) : Grain, ICertificateHolderGrain
{
    public async Task Add(string number)
    {
        if (!record.State.Numbers.Contains(number))
        {
            record.State.Numbers.Add(number);
            await record.WriteOrForgetAsync(this);
        }
    }

    public Task<IReadOnlyList<string>> Numbers() => Task.FromResult<IReadOnlyList<string>>([.. record.State.Numbers]);
}

using Backbone.Grains.Abstractions.Access;

namespace Backbone.Grains.Abstractions.Certificates;

public enum CertificateStatus
{
    Valid = 1,
    Revoked = 2,
    Expired = 3,
}

/// <summary>An electronic certificate (电子证照) to issue: what, to whom, by which unit and department, how long.</summary>
[GenerateSerializer, Immutable]
public sealed record NewCertificate(
    [property: Id(0)] string Type,
    [property: Id(1)] string TypeName,
    [property: Id(2)] Holder Holder,
    [property: Id(3)] string HolderName,
    [property: Id(4)] string IssuerUnit,
    [property: Id(5)] string IssuerDepartment,
    [property: Id(6)] DateTimeOffset ValidFrom,
    [property: Id(7)] DateTimeOffset? ValidTo,
    [property: Id(8)] string CaseId);

[GenerateSerializer, Immutable]
public sealed record CertificateSnapshot(
    [property: Id(0)] string Number,
    [property: Id(1)] NewCertificate Issued,
    [property: Id(2)] string VerificationCode,
    [property: Id(3)] DateTimeOffset? RevokeTime,
    [property: Id(4)] string RevocationReason)
{
    public CertificateStatus StatusAt(DateTimeOffset now) =>
        RevokeTime is not null ? CertificateStatus.Revoked
        : Issued.ValidTo is { } end && now >= end ? CertificateStatus.Expired
        : CertificateStatus.Valid;
}

/// <summary>What a third party learns from a verification: the status and the holder's masked name, nothing more.</summary>
[GenerateSerializer, Immutable]
public sealed record CertificateVerification(
    [property: Id(0)] CertificateStatus Status,
    [property: Id(1)] string Type,
    [property: Id(2)] string TypeName,
    [property: Id(3)] string HolderNameMasked,
    [property: Id(4)] Holder Holder);

/// <summary>One certificate, keyed by its number: issued once, revoked at most once.</summary>
public interface ICertificateGrain : IGrainWithStringKey
{
    /// <summary>Issues the certificate; issuing the same one again returns it unchanged.</summary>
    Task<CertificateSnapshot> Issue(NewCertificate certificate);

    /// <exception cref="Errors.DomainException">NotFound when no such certificate was issued.</exception>
    [Orleans.Concurrency.ReadOnly]
    Task<CertificateSnapshot> Get();

    /// <summary>Revokes it (the reason is recorded); revoking a revoked one returns it unchanged.</summary>
    Task<CertificateSnapshot> Revoke(string reason);

    /// <summary>
    /// Checks the verification code the holder shared. A wrong code answers exactly as a missing
    /// certificate (NotFound); after five wrong codes in fifteen minutes the certificate refuses
    /// verifications (ResourceExhausted) until the window passes.
    /// </summary>
    Task<CertificateVerification> Verify(string verificationCode);
}

/// <summary>The numbers of one holder's certificates, keyed by <see cref="Holder.Key"/>.</summary>
public interface ICertificateHolderGrain : IGrainWithStringKey
{
    Task Add(string number);

    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> Numbers();
}

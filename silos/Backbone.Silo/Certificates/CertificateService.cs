using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Certificates;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Cases;
using Backbone.Grains.Certificates;
using Backbone.Silo.Access;
using Backbone.Silo.Cases;
using Backbone.Silo.Enterprises;
using Backbone.Silo.Security;
using Backbone.V1;
using Grpc.Core;
using CertificateVerification = Backbone.V1.CertificateVerification;

namespace Backbone.Silo.Certificates;

/// <summary>Electronic certificates over gRPC: holders list theirs, third parties verify with the holder's code, issuing units revoke.</summary>
public sealed class CertificateService(IGrainFactory grains, CertificateIssuer certificates, DataAccessRecorder accessLog, TimeProvider clock)
    : V1.CertificateService.CertificateServiceBase
{
    public const int MaxNumberLength = 64;

    public override async Task<ListCertificatesResponse> ListMyCertificates(ListMyCertificatesRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var holder = Holder.Citizen(caller.Subject);
        if (request.EnterpriseCreditCode.Length > 0)
        {
            DomainException.ThrowIfAny(EnterpriseRules.ValidateCode(request.EnterpriseCreditCode, "enterprise_credit_code"));
            holder = Holder.Enterprise((await EnterpriseAccess.Linked(grains, request.EnterpriseCreditCode, caller.Subject)).CreditCode);
        }

        var now = clock.GetUtcNow();
        return new ListCertificatesResponse { Certificates = { (await certificates.HeldBy(holder)).Select(c => CertificateMessages.ToProto(c, now, forHolder: true)) } };
    }

    public override async Task<CertificateVerification> VerifyCertificate(VerifyCertificateRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(ValidateNumber(request.Number));
        if (request.VerificationCode.Length != 8 || !request.VerificationCode.All(char.IsAsciiLetterOrDigit))
        {
            violations.Add(new FieldViolation("verification_code", "must be the 8 letters and digits the holder shared"));
        }

        violations.AddRange(DataAccessRecorder.ValidatePurpose(request.Purpose, required: true));
        DomainException.ThrowIfAny(violations);
        var verified = await grains.GetGrain<ICertificateGrain>(request.Number).Verify(request.VerificationCode);
        await accessLog.Record(verified.Holder, context.Caller(), context, request.Purpose);
        return new CertificateVerification
        {
            Status = (V1.CertificateStatus)verified.Status,
            Type = verified.Type,
            TypeName = verified.TypeName,
            HolderNameMasked = verified.HolderNameMasked,
        };
    }

    public override async Task<Certificate> RevokeCertificate(RevokeCertificateRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny([
            .. ValidateNumber(request.Number),
            .. CaseRules.ValidateNote(request.Reason, required: true, "reason", max: Cases.CaseService.MaxShortNoteLength),
        ]);
        var caller = context.Caller();
        var certificate = grains.GetGrain<ICertificateGrain>(request.Number);
        var issuer = (await certificate.Get()).Issued.IssuerUnit;
        if (!GridUnitCode.IsWithin(issuer, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Only staff of the issuing unit {issuer} (or above it) revoke this certificate.");
        }

        return CertificateMessages.ToProto(await certificate.Revoke(CaseRules.Text(request.Reason)), clock.GetUtcNow(), forHolder: false);
    }

    private static IReadOnlyList<FieldViolation> ValidateNumber(string number) =>
        number.Length is > 0 and <= MaxNumberLength && number.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterUpper(c) || c == '-')
            ? []
            : [new FieldViolation("number", $"must be a certificate number: 1 to {MaxNumberLength} capital letters, digits and hyphens")];
}

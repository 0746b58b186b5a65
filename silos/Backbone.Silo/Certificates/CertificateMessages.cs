using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Certificates;
using Google.Protobuf.WellKnownTypes;

namespace Backbone.Silo.Certificates;

public static class CertificateMessages
{
    /// <param name="forHolder">Only the holder sees the verification code.</param>
    public static V1.Certificate ToProto(CertificateSnapshot c, DateTimeOffset now, bool forHolder) => new()
    {
        Number = c.Number,
        Type = c.Issued.Type,
        TypeName = c.Issued.TypeName,
        HolderKind = c.Issued.Holder.Kind == HolderKind.Citizen ? "citizen" : "enterprise",
        HolderId = c.Issued.Holder.Id,
        HolderName = c.Issued.HolderName,
        IssuerUnitCode = c.Issued.IssuerUnit,
        IssuerDepartment = c.Issued.IssuerDepartment,
        ValidFrom = Timestamp.FromDateTimeOffset(c.Issued.ValidFrom),
        ValidTo = c.Issued.ValidTo is { } end ? Timestamp.FromDateTimeOffset(end) : null,
        Status = (V1.CertificateStatus)c.StatusAt(now),
        VerificationCode = forHolder ? c.VerificationCode : string.Empty,
        CaseId = c.Issued.CaseId,
        RevocationReason = c.RevocationReason,
    };
}

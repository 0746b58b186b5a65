using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Enterprises;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Cases;
using Backbone.Grains.Certificates;
using Backbone.Grains.Enterprises;
using Backbone.Grains.Grid;
using Backbone.Silo.Access;
using Backbone.Silo.Certificates;
using Backbone.Silo.Security;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Enterprise = Backbone.V1.Enterprise;
using EnterpriseStage = Backbone.V1.EnterpriseStage;

namespace Backbone.Silo.Enterprises;

/// <summary>
/// Enterprises over gRPC. The registration authority (apps and staff with enterprise.manage; staff within
/// their unit's subtree) registers, changes and deregisters; an enterprise's legal representative and
/// agents read it and may deregister it; anyone else reads with a purpose, logged for the enterprise.
/// </summary>
public sealed class EnterpriseService(IGrainFactory grains, GridSeed grid, CertificateIssuer certificates, DataAccessRecorder accessLog, TimeProvider clock)
    : V1.EnterpriseService.EnterpriseServiceBase
{
    public override async Task<Enterprise> RegisterEnterprise(RegisterEnterpriseRequest request, ServerCallContext context)
    {
        var violations = EnterpriseRules.ValidateRegistration(
            request.CreditCode, request.Name, request.Address, request.LegalRepresentativeId, request.AgentCitizenIds, request.GridUnitCode, grid, out var enterprise);
        DomainException.ThrowIfAny(violations);
        var caller = context.Caller();
        EnsureWithinUnit(caller, enterprise!.GridCode);
        await EnsureCitizensExist(enterprise.LegalRepresentativeId, enterprise.AgentIds);
        return ToProto(await grains.GetGrain<IEnterpriseGrain>(request.CreditCode).Register(enterprise, caller.Subject));
    }

    public override async Task<Enterprise> GetEnterprise(GetEnterpriseRequest request, ServerCallContext context) =>
        ToProto(await Read(request.CreditCode, request.Purpose, context));

    public override async Task<Enterprise> UpdateEnterprise(UpdateEnterpriseRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(EnterpriseRules.ValidateCode(request.CreditCode));
        violations.AddRange(EnterpriseRules.ValidateChange(
            request.UpdateMask?.Paths.ToArray() ?? [], request.Name, request.Address, request.LegalRepresentativeId, request.AgentCitizenIds,
            request.GridUnitCode, request.Etag, grid, out var change));
        DomainException.ThrowIfAny(violations);
        var caller = context.Caller();
        var enterprise = grains.GetGrain<IEnterpriseGrain>(request.CreditCode);
        EnsureWithinUnit(caller, (await enterprise.Get()).GridCode);
        if (change!.GridCode is { } moved)
        {
            EnsureWithinUnit(caller, moved);
        }

        await EnsureCitizensExist(change.LegalRepresentativeId, change.AgentIds ?? []);
        return ToProto(await enterprise.Update(change, caller.Subject));
    }

    public override async Task<Enterprise> DeregisterEnterprise(DeregisterEnterpriseRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny([
            .. EnterpriseRules.ValidateCode(request.CreditCode),
            .. CaseRules.ValidateNote(request.Reason, required: true, "reason", max: Cases.CaseService.MaxShortNoteLength),
        ]);
        var caller = context.Caller();
        var enterprise = grains.GetGrain<IEnterpriseGrain>(request.CreditCode);
        var current = await enterprise.Get();
        if (caller.IsCitizen && current.LegalRepresentativeId != caller.Subject)
        {
            throw current.IsLinked(caller.Subject)
                ? DomainException.PermissionDenied("Only the legal representative deregisters an enterprise; agents cannot.")
                : EnterpriseGrain.NotFound(request.CreditCode);
        }

        EnsureWithinUnit(caller, current.GridCode);
        return ToProto(await enterprise.Deregister(caller.Subject, CaseRules.Text(request.Reason)));
    }

    public override async Task<ListCertificatesResponse> ListEnterpriseLicences(ListEnterpriseLicencesRequest request, ServerCallContext context)
    {
        var enterprise = await Read(request.CreditCode, request.Purpose, context);
        var now = clock.GetUtcNow();
        var forHolder = context.Caller().IsCitizen; // Read let a citizen through only as the enterprise's own
        return new ListCertificatesResponse
        {
            Certificates = { (await certificates.HeldBy(Holder.Enterprise(enterprise.CreditCode))).Select(c => CertificateMessages.ToProto(c, now, forHolder)) },
        };
    }

    /// <summary>The enterprise for its own people; for apps and staff (within their unit) with a purpose, logged first.</summary>
    private async Task<EnterpriseSnapshot> Read(string creditCode, string purpose, ServerCallContext context)
    {
        var caller = context.Caller();
        DomainException.ThrowIfAny([.. EnterpriseRules.ValidateCode(creditCode), .. DataAccessRecorder.ValidatePurpose(purpose, required: !caller.IsCitizen)]);
        if (caller.IsCitizen)
        {
            return await EnterpriseAccess.Linked(grains, creditCode, caller.Subject);
        }

        var enterprise = await grains.GetGrain<IEnterpriseGrain>(creditCode).Get();
        if (caller.IsStaff && !GridUnitCode.IsWithin(enterprise.GridCode, caller.Unit ?? string.Empty))
        {
            throw EnterpriseGrain.NotFound(creditCode);
        }

        await accessLog.Record(Holder.Enterprise(creditCode), caller, context, purpose);
        return enterprise;
    }

    private static void EnsureWithinUnit(Caller caller, string gridCode)
    {
        if (caller.IsStaff && !GridUnitCode.IsWithin(gridCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} act on enterprises located within that unit only.");
        }
    }

    private async Task EnsureCitizensExist(string? legalRepresentativeId, IReadOnlyList<string> agentIds)
    {
        var violations = new List<FieldViolation>();
        if (legalRepresentativeId is not null && !await grains.GetGrain<ICitizenGrain>(legalRepresentativeId).Exists())
        {
            violations.Add(new FieldViolation("legal_representative_id", $"no citizen with id {legalRepresentativeId} is registered"));
        }

        foreach (var agent in agentIds)
        {
            if (!await grains.GetGrain<ICitizenGrain>(agent).Exists())
            {
                violations.Add(new FieldViolation("agent_citizen_ids", $"no citizen with id {agent} is registered"));
            }
        }

        DomainException.ThrowIfAny(violations);
    }

    private static Enterprise ToProto(EnterpriseSnapshot e) => new()
    {
        CreditCode = e.CreditCode,
        Name = e.Name,
        Address = e.Address,
        LegalRepresentativeId = e.LegalRepresentativeId,
        AgentCitizenIds = { e.AgentIds },
        Stage = (EnterpriseStage)e.Stage,
        History =
        {
            e.History.Select(h => new V1.EnterpriseEvent { Action = h.Action, Actor = h.Actor, Note = h.Note, Time = Timestamp.FromDateTimeOffset(h.Time) }),
        },
        CreateTime = Timestamp.FromDateTimeOffset(e.CreateTime),
        UpdateTime = Timestamp.FromDateTimeOffset(e.UpdateTime),
        Etag = e.Etag,
        GridUnitCode = e.GridCode,
    };
}

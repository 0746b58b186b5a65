using Backbone.Grains;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Citizens;
using Backbone.Silo.Access;
using Backbone.Silo.Enterprises;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Silo.Citizens;

/// <summary>
/// The citizen register over gRPC: validates, applies ownership, calls the grains, maps the answer.
/// A citizen reaches only their own record (<c>me</c>); staff only records within their unit's subtree;
/// partner apps any record their scopes allow. A record the caller may not see is NOT_FOUND.
/// </summary>
public sealed class CitizenService(IGrainFactory grains, DataAccessRecorder accessLog, TimeProvider clock) : V1.CitizenService.CitizenServiceBase
{
    /// <summary>Stands for the signed-in citizen wherever a citizen id is taken.</summary>
    public const string Me = "me";

    public override async Task<Citizen> RegisterCitizen(RegisterCitizenRequest request, ServerCallContext context)
    {
        var violations = CitizenRules.ValidateRegistration(
            request.RequestId, request.Name, request.IdNumber, request.Phone, request.Address, request.GridUnitCode, ChinaTime.Today(clock),
            out var citizen);
        DomainException.ThrowIfAny(violations);
        var caller = context.Caller();
        if (caller.IsStaff && !GridUnitCode.IsWithin(citizen!.GridUnitCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} register citizens only with a grid_unit_code within that unit.");
        }

        // Request ids are per caller, so one app's ids never collide with (or replay) another's.
        var registration = grains.GetGrain<ICitizenRegistrationGrain>($"{caller.Kind}:{caller.Subject}:{request.RequestId}");
        return ToProto(await registration.Register(citizen!));
    }

    public override async Task<Citizen> GetCitizen(GetCitizenRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var citizenId = ResolveCitizenId(request.CitizenId, caller);
        DomainException.ThrowIfAny(DataAccessRecorder.ValidatePurpose(request.Purpose, required: !caller.IsCitizen));
        var citizen = await ReadVisible(citizenId, caller);
        if (!caller.IsCitizen)
        {
            await accessLog.Record(Holder.Citizen(citizenId), caller, context, request.Purpose);
        }

        return ToProto(citizen);
    }

    public override async Task<ListMyDataAccessResponse> ListMyDataAccess(ListMyDataAccessRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var violations = new List<FieldViolation>(PageSizes.Validate(request.PageSize));
        if (request.EnterpriseCreditCode.Length > 0)
        {
            violations.AddRange(EnterpriseRules.ValidateCode(request.EnterpriseCreditCode, "enterprise_credit_code"));
        }

        DomainException.ThrowIfAny(violations);
        var holder = request.EnterpriseCreditCode.Length > 0
            ? Holder.Enterprise((await EnterpriseAccess.Linked(grains, request.EnterpriseCreditCode, caller.Subject)).CreditCode)
            : Holder.Citizen(caller.Subject);
        var page = await grains.GetGrain<IDataAccessLogGrain>(holder.Key).Page(request.PageToken, PageSizes.Of(request.PageSize));
        return new ListMyDataAccessResponse
        {
            Entries =
            {
                page.Entries.Select(e => new DataAccessEntry
                {
                    Time = Timestamp.FromDateTimeOffset(e.Time),
                    AccessorKind = e.AccessorKind,
                    Accessor = e.Accessor,
                    ClientId = e.ClientId,
                    AccessorUnitCode = e.AccessorUnit,
                    Rpc = e.Rpc,
                    Purpose = e.Purpose,
                }),
            },
            NextPageToken = page.NextToken,
        };
    }

    public override async Task<Citizen> UpdateCitizen(UpdateCitizenRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var citizenId = ResolveCitizenId(request.CitizenId, caller);
        var mask = request.UpdateMask?.Paths.ToArray() ?? [];
        var violations = CitizenRules.ValidateChange(citizenId, mask, request.Phone, request.Address, request.GridUnitCode, request.Etag, out var change);
        DomainException.ThrowIfAny(violations);

        if (change!.GridUnitCode is not null && caller.IsCitizen)
        {
            throw DomainException.PermissionDenied("Citizens cannot move themselves to another grid unit; their community does.");
        }

        if (caller.IsStaff)
        {
            // Checked against the version read here: if the record moves units meanwhile, the etag refuses the write.
            var current = await ReadVisible(citizenId, caller);
            if (change.GridUnitCode is { } unit && !GridUnitCode.IsWithin(unit, caller.Unit!))
            {
                throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} move citizens only within that unit.");
            }

            change = change with { ExpectedEtag = change.ExpectedEtag ?? current.Etag };
        }

        return ToProto(await grains.GetGrain<ICitizenGrain>(citizenId).Update(change));
    }

    /// <summary>The citizen id the request names, with <c>me</c> resolved; a citizen naming anyone else gets NOT_FOUND.</summary>
    private static string ResolveCitizenId(string requested, Caller caller)
    {
        if (requested == Me)
        {
            return caller.IsCitizen
                ? caller.Subject
                : throw DomainException.InvalidArgument("citizen_id", $"'{Me}' names the signed-in citizen, but this token speaks for a {caller.Kind}");
        }

        DomainException.ThrowIfAny(CitizenRules.ValidateCitizenId(requested));
        return caller.IsCitizen && requested != caller.Subject ? throw CitizenErrors.NotFound(requested) : requested;
    }

    private async Task<CitizenSnapshot> ReadVisible(string citizenId, Caller caller)
    {
        var citizen = await grains.GetGrain<ICitizenGrain>(citizenId).Get();
        return caller.IsStaff && !GridUnitCode.IsWithin(citizen.GridUnitCode, caller.Unit ?? string.Empty)
            ? throw CitizenErrors.NotFound(citizenId)
            : citizen;
    }

    private static Citizen ToProto(CitizenSnapshot citizen) => new()
    {
        CitizenId = citizen.CitizenId,
        Name = citizen.Name,
        IdNumberMasked = citizen.IdNumberMasked,
        Phone = citizen.Phone,
        Address = citizen.Address,
        GridUnitCode = citizen.GridUnitCode,
        CreateTime = Timestamp.FromDateTimeOffset(citizen.CreateTime),
        UpdateTime = Timestamp.FromDateTimeOffset(citizen.UpdateTime),
        Etag = citizen.Etag,
    };
}

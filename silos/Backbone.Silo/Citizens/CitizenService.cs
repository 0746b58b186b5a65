using Backbone.Grains;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Citizens;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Silo.Citizens;

/// <summary>The citizen register over gRPC: validates, calls the grains, maps the answer.</summary>
public sealed class CitizenService(IGrainFactory grains, TimeProvider clock) : V1.CitizenService.CitizenServiceBase
{
    public override async Task<Citizen> RegisterCitizen(RegisterCitizenRequest request, ServerCallContext context)
    {
        var violations = CitizenRules.ValidateRegistration(
            request.RequestId, request.Name, request.IdNumber, request.Phone, request.Address, ChinaTime.Today(clock), out var citizen);
        RejectIfAny(violations);
        var registered = await grains.GetGrain<ICitizenRegistrationGrain>(request.RequestId).Register(citizen!);
        return ToProto(registered);
    }

    public override async Task<Citizen> GetCitizen(GetCitizenRequest request, ServerCallContext context)
    {
        RejectIfAny(CitizenRules.ValidateCitizenId(request.CitizenId));
        return ToProto(await grains.GetGrain<ICitizenGrain>(request.CitizenId).Get());
    }

    public override async Task<Citizen> UpdateCitizen(UpdateCitizenRequest request, ServerCallContext context)
    {
        var mask = request.UpdateMask?.Paths.ToArray() ?? [];
        var violations = CitizenRules.ValidateChange(request.CitizenId, mask, request.Phone, request.Address, request.Etag, out var change);
        RejectIfAny(violations);
        return ToProto(await grains.GetGrain<ICitizenGrain>(request.CitizenId).Update(change!));
    }

    private static void RejectIfAny(IReadOnlyList<FieldViolation> violations)
    {
        if (violations.Count > 0)
        {
            throw DomainException.InvalidArgument(violations);
        }
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

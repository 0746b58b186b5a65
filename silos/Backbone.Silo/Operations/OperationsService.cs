using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;
using Backbone.Silo.Gateway;
using Backbone.Silo.Security;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Silo.Operations;

/// <summary>What ops see of a running node: city administrators for any caller, other staff for their own units.</summary>
public sealed class OperationsService(FeatureGate features) : V1.OperationsService.OperationsServiceBase
{
    public override async Task<ListFeaturesResponse> ListFeatures(ListFeaturesRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var isAdmin = caller.Role == StaffRoles.CityAdmin;
        // Other staff see how the flags stand in their own part of the city (by default, their unit).
        var unitCode = request.UnitCode.Length > 0 || isAdmin ? request.UnitCode : caller.Unit ?? string.Empty;
        DomainException.ThrowIfAny([
            .. unitCode.Length > 0 ? GridRules.ValidateCode(unitCode, "unit_code") : [],
            .. request.Location is { } at ? GridRules.ValidateLocation(at.Latitude, at.Longitude) : [],
        ]);
        if (!isAdmin && (caller.Unit is not { } unit || !GridUnitCode.IsWithin(unitCode, unit) || request.Location is not null))
        {
            throw DomainException.PermissionDenied("Staff read the feature flags of their own unit and the units below it; city administrators, for any caller.");
        }

        GeoPoint? location = request.Location is { } point ? new GeoPoint(point.Latitude, point.Longitude) : null;
        var response = new ListFeaturesResponse();
        foreach (var feature in Features.All)
        {
            var verdict = await features.EvaluateAsync(feature, request.ClientId, request.Subject, unitCode, location);
            response.Features.Add(new FeatureStatus
            {
                Flag = feature,
                State = verdict.State,
                RetryAfter = verdict.State == FeatureState.Paused ? Duration.FromTimeSpan(verdict.RetryAfter) : null,
                Rpcs = { RpcPermissions.ByMethod.Where(row => row.Value.Feature == feature).Select(row => row.Key).Order(StringComparer.Ordinal) },
                District = verdict.District,
            });
        }

        return response;
    }
}

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
        if (caller.Role != StaffRoles.CityAdmin)
        {
            // Other staff see how the flags stand in their own part of the city (by default, their unit).
            if (request.UnitCode.Length == 0)
            {
                request.UnitCode = caller.Unit ?? string.Empty;
            }

            if (caller.Unit is not { Length: > 0 } unit || !request.UnitCode.StartsWith(unit, StringComparison.Ordinal) || request.Location is not null)
            {
                throw DomainException.PermissionDenied("Staff read the feature flags of their own unit and the units below it; city administrators, for any caller.");
            }
        }

        DomainException.ThrowIfAny([
            .. request.UnitCode.Length > 0 ? GridRules.ValidateCode(request.UnitCode, "unit_code") : [],
            .. request.Location is { } at ? GridRules.ValidateLocation(at.Latitude, at.Longitude) : [],
        ]);
        GeoPoint? location = request.Location is { } point ? new GeoPoint(point.Latitude, point.Longitude) : null;
        var response = new ListFeaturesResponse();
        foreach (var feature in Features.All)
        {
            var verdict = await features.EvaluateAsync(feature, request.ClientId, request.Subject, request.UnitCode, location);
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

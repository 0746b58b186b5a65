using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;
using Backbone.Silo.Errors;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Backbone.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.FeatureManagement;
using Microsoft.FeatureManagement.FeatureFilters;

namespace Backbone.Silo.Gateway;

/// <summary>How a feature stands for one caller.</summary>
public sealed record FeatureVerdict(FeatureState State, TimeSpan RetryAfter, string District);

/// <summary>
/// Feature flags (Microsoft.FeatureManagement, section <c>FeatureManagement</c>, re-read when the
/// configuration changes). A flag is rolled out by targeting: the caller's id is the targeting user;
/// its groups are <c>client:&lt;client id&gt;</c> and <c>district:&lt;6-digit code&gt;</c> (the staff
/// member's unit, else the district of the location the request is about). A flag nobody configured
/// is on: ops configure one to roll it out step by step, or to switch it off (<c>false</c>). Ops pause
/// a flag for everyone for a while with <c>Backbone:Features:Paused:&lt;flag&gt;=&lt;retry after&gt;</c>.
/// </summary>
public sealed class FeatureGate(
    IFeatureManager features, IFeatureDefinitionProvider definitions, IOptionsMonitor<BackboneOptions.FeatureSettings> settings, GridSeed grid)
{
    /// <summary>Throws UNIMPLEMENTED when the feature is not rolled out to this caller, UNAVAILABLE while it is paused.</summary>
    public async Task AdmitAsync(string method, string feature, Caller caller, object? request)
    {
        var verdict = await EvaluateAsync(feature, caller.ClientId, caller.Subject, caller.Unit, LocationOf(request));
        switch (verdict.State)
        {
            case FeatureState.Paused:
                throw ErrorMappingInterceptor.ComeBackLater(ErrorMappingInterceptor.RetryableStatus(StatusCode.Unavailable,
                    $"{method} is switched off for now (feature {feature}); try again later.", verdict.RetryAfter));
            case FeatureState.NotForCaller:
                throw new RpcException(new Status(StatusCode.Unimplemented,
                    $"{method} is not available to this app{(verdict.District.Length > 0 ? $" in district {verdict.District}" : string.Empty)} yet (feature {feature})."));
        }
    }

    public async Task<FeatureVerdict> EvaluateAsync(string feature, string clientId, string subject, string? unit, GeoPoint? location)
    {
        if (settings.CurrentValue.Paused.TryGetValue(feature, out var retryAfter))
        {
            return new FeatureVerdict(FeatureState.Paused, retryAfter, string.Empty);
        }

        if (await definitions.GetFeatureDefinitionAsync(feature) is null)
        {
            return new FeatureVerdict(FeatureState.On, TimeSpan.Zero, string.Empty); // no targeting: the common case costs no lookup
        }

        var district = DistrictOf(unit, location);
        var audience = new TargetingContext
        {
            UserId = subject.Length > 0 ? subject : clientId,
            Groups = [$"client:{clientId}", .. district.Length > 0 ? new[] { $"district:{district}" } : []],
        };
        return new FeatureVerdict(await features.IsEnabledAsync(feature, audience) ? FeatureState.On : FeatureState.NotForCaller, TimeSpan.Zero, district);
    }

    private string DistrictOf(string? unit, GeoPoint? location) =>
        unit is { Length: >= 6 } ? unit[..6]
        : location is { } point && grid.Locate(point) is { } gridUnit ? gridUnit.Code[..6]
        : string.Empty;

    /// <summary>The place a request is about, for requests that name one.</summary>
    private static GeoPoint? LocationOf(object? request)
    {
        var location = request switch
        {
            FindNearbyRequest r => r.Location,
            SubmitAppealRequest r => r.Location,
            UpsertFacilityRequest r => r.Facility?.Location,
            LocateUnitRequest r => r.Location,
            _ => null,
        };
        return location is null ? null : new GeoPoint(location.Latitude, location.Longitude);
    }
}

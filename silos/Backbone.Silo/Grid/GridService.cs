using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;
using Backbone.Identity;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Silo.Grid;

/// <summary>The grid tree over gRPC: reads for every caller with grid.read, edits for city administrators.</summary>
public sealed partial class GridService(IGrainFactory grains, GridSeed seed, TimeProvider clock, ObserverRelay observerRelay) : V1.GridService.GridServiceBase
{
    public override async Task<GridUnit> GetUnit(GetUnitRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(GridRules.ValidateCode(request.Code));
        return ToProto(await grains.GetGrain<IGridUnitGrain>(request.Code).Get());
    }

    public override async Task<ListChildUnitsResponse> ListChildUnits(ListChildUnitsRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(GridRules.ValidateCode(request.Code));
        await grains.GetGrain<IGridUnitGrain>(request.Code).Get(); // NOT_FOUND for an unknown parent
        var children = await Task.WhenAll(seed.ChildrenOf(request.Code).Select(code => grains.GetGrain<IGridUnitGrain>(code).Get()));
        return new ListChildUnitsResponse { Units = { children.Select(ToProto) } };
    }

    public override async Task<GridUnit> LocateUnit(LocateUnitRequest request, ServerCallContext context)
    {
        if (request.Location is null)
        {
            throw DomainException.InvalidArgument("location", "is required");
        }

        DomainException.ThrowIfAny(GridRules.ValidateLocation(request.Location.Latitude, request.Location.Longitude));
        var grid = seed.Locate(new GeoPoint(request.Location.Latitude, request.Location.Longitude))
            ?? throw DomainException.NotFound($"No grid covers ({request.Location.Latitude}, {request.Location.Longitude}); it is outside the city.");
        return ToProto(await grains.GetGrain<IGridUnitGrain>(grid.Code).Get());
    }

    public override async Task<GridUnit> UpdateUnit(UpdateUnitRequest request, ServerCallContext context)
    {
        if (context.Caller().Role != StaffRoles.CityAdmin)
        {
            throw DomainException.PermissionDenied("Only city administrators change grid units.");
        }

        var mask = request.UpdateMask?.Paths.ToArray() ?? [];
        DomainException.ThrowIfAny(GridRules.ValidateChange(request.Code, mask, request.Name, request.DutyPhone, request.Etag, out var change));
        return ToProto(await grains.GetGrain<IGridUnitGrain>(request.Code).Update(change!));
    }

    private static GridUnit ToProto(GridUnitSnapshot unit) => new()
    {
        Code = unit.Code,
        Name = unit.Name,
        Level = (V1.UnitLevel)unit.Level,
        ParentCode = unit.ParentCode,
        DutyPhone = unit.DutyPhone,
        Boundary = { unit.Boundary.Select(p => new LatLng { Latitude = p.Latitude, Longitude = p.Longitude }) },
        ChildCount = unit.ChildCount,
        Etag = unit.Etag,
    };
}

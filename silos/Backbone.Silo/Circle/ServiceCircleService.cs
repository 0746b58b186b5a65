using Backbone.Grains;
using Backbone.Grains.Abstractions.Circle;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Circle;
using Backbone.Grains.Grid;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Facility = Backbone.Grains.Abstractions.Circle.Facility;
using FacilityCategory = Backbone.V1.FacilityCategory;

namespace Backbone.Silo.Circle;

/// <summary>
/// The 15-minute circle over gRPC. Writes go through the facility's grain (which updates its cells);
/// searches and coverage read this node's copies of the cells around the point (<see cref="CellReader"/>).
/// </summary>
public sealed class ServiceCircleService(IGrainFactory grains, GridSeed grid, CellReader cells, BackboneOptions options, TimeProvider clock)
    : V1.ServiceCircleService.ServiceCircleServiceBase
{
    public override async Task<V1.Facility> UpsertFacility(UpsertFacilityRequest request, ServerCallContext context)
    {
        var given = request.Facility ?? new V1.Facility();
        var (facility, violations) = CircleRules.Validate(FromProto(given), grid);
        DomainException.ThrowIfAny(violations);
        var grain = grains.GetGrain<IFacilityGrain>(facility!.Id);
        var caller = context.Caller();
        if (caller.IsStaff)
        {
            EnsureWithinUnit(caller, facility.GridCode);
            if (await ExistingAsync(grain) is { } existing)
            {
                EnsureWithinUnit(caller, existing.GridCode); // a facility is not moved out of another unit either
            }
        }

        var change = await grain.Upsert(facility);
        await cells.RefreshAsync(change.Cells);
        return CircleMessages.ToProto(change.Facility!);
    }

    public override async Task<Empty> RemoveFacility(RemoveFacilityRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(CircleRules.ValidateId(request.FacilityId));
        var grain = grains.GetGrain<IFacilityGrain>(request.FacilityId);
        var caller = context.Caller();
        if (caller.IsStaff)
        {
            EnsureWithinUnit(caller, (await grain.Get()).GridCode);
        }

        await cells.RefreshAsync((await grain.Remove()).Cells);
        return new Empty();
    }

    public override async Task<V1.Facility> GetFacility(GetFacilityRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(CircleRules.ValidateId(request.FacilityId));
        return CircleMessages.ToProto(await grains.GetGrain<IFacilityGrain>(request.FacilityId).Get());
    }

    public override async Task<FindNearbyResponse> FindNearby(FindNearbyRequest request, ServerCallContext context)
    {
        GeoPoint? location = request.Location is null ? null : new GeoPoint(request.Location.Latitude, request.Location.Longitude);
        DomainException.ThrowIfAny([
            .. CircleRules.ValidateSearch(location, request.Minutes, request.Categories, request.PageSize, grid),
            .. ValidateMode(request.Mode),
        ]);
        var travel = Travel(request.Mode, request.Minutes);
        var wanted = request.Categories.Count == 0 ? null : request.Categories.ToHashSet(StringComparer.Ordinal);
        var openAt = request.OpenNow ? LocalTime(request.OpenAt?.ToDateTimeOffset() ?? clock.GetUtcNow()) : ((int Day, int Minute)?)null;

        var found = new List<(V1.Facility Message, double Meters)>();
        foreach (var (facility, message, meters) in await ReachableAsync(location!.Value, travel.RadiusMeters))
        {
            if (wanted?.Contains(facility.Category) != false && (openAt is not { } at || facility.IsOpen(at.Day, at.Minute)))
            {
                found.Add((message, meters));
            }
        }

        found.Sort((a, b) => a.Meters != b.Meters ? a.Meters.CompareTo(b.Meters) : string.CompareOrdinal(a.Message.FacilityId, b.Message.FacilityId));
        var pageSize = PageSizes.Of(request.PageSize);
        return new FindNearbyResponse
        {
            Facilities =
            {
                found.Take(pageSize).Select(f => new NearbyFacility
                {
                    Facility = f.Message,
                    DistanceMeters = Math.Round(f.Meters, 1),
                    Minutes = Math.Round(travel.MinutesFor(f.Meters), 1),
                }),
            },
            TotalReachable = found.Count,
            Assumptions = travel.ToProto(),
        };
    }

    public override async Task<AnalyzeCoverageResponse> AnalyzeCoverage(AnalyzeCoverageRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny([.. GridRules.ValidateCode(request.UnitCode, "unit_code"), .. CircleRules.ValidateMinutes(request.Minutes), .. ValidateMode(request.Mode)]);
        var unit = grid.Find(request.UnitCode) ?? throw DomainException.NotFound($"No grid unit has code {request.UnitCode}.");
        var travel = Travel(request.Mode, request.Minutes);
        var points = RepresentativePoints(unit.Code);

        // For every point, the nearest facility of each category within reach.
        var reached = FacilityCategories.All.ToDictionary(c => c.Code, _ => new List<double>(), StringComparer.Ordinal);
        foreach (var point in points)
        {
            var nearest = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (facility, _, meters) in await ReachableAsync(point, travel.RadiusMeters))
            {
                if (!nearest.TryGetValue(facility.Category, out var best) || meters < best)
                {
                    nearest[facility.Category] = meters;
                }
            }

            foreach (var (category, meters) in nearest)
            {
                reached[category].Add(meters);
            }
        }

        var coverage = FacilityCategories.All.Select(c => new CategoryCoverage
        {
            Category = c.Code,
            Name = c.Name,
            PointsReached = reached[c.Code].Count,
            WorstNearestMeters = reached[c.Code].Count == 0 ? 0 : Math.Round(reached[c.Code].Max(), 1),
        }).ToList();
        return new AnalyzeCoverageResponse
        {
            UnitCode = unit.Code,
            UnitName = (await grains.GetGrain<IGridUnitGrain>(unit.Code).Get()).Name,
            PointCount = points.Count,
            Categories = { coverage },
            MissingCategories = { coverage.Where(c => c.PointsReached == 0).Select(c => c.Category) },
            PartialCategories = { coverage.Where(c => c.PointsReached > 0 && c.PointsReached < points.Count).Select(c => c.Category) },
            Assumptions = travel.ToProto(),
        };
    }

    public override Task<ListFacilityCategoriesResponse> ListFacilityCategories(ListFacilityCategoriesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListFacilityCategoriesResponse
        {
            Categories = { FacilityCategories.All.Select(c => new FacilityCategory { Code = c.Code, Name = c.Name, EnglishName = c.EnglishName }) },
        });

    /// <summary>
    /// Every facility within <paramref name="radiusMeters"/> of the point: the cells touching the circle's
    /// box, read from this node's copies, a cheap box test first, then the great-circle distance.
    /// </summary>
    private async Task<List<(Facility Facility, V1.Facility Message, double Meters)>> ReachableAsync(GeoPoint point, double radiusMeters)
    {
        var found = new List<(Facility, V1.Facility, double)>();
        var box = Geo.BoundingBox(point, radiusMeters);
        foreach (var cell in MapCell.Covering(box))
        {
            var copy = await cells.ReadAsync(cell);
            for (var i = 0; i < copy.Facilities.Length; i++)
            {
                var facility = copy.Facilities[i];
                var (latitude, longitude) = (facility.Location.Latitude, facility.Location.Longitude);
                if (latitude < box.South || latitude > box.North || longitude < box.West || longitude > box.East)
                {
                    continue;
                }

                var meters = Geo.DistanceMeters(point, facility.Location);
                if (meters <= radiusMeters)
                {
                    found.Add((facility, copy.Messages[i], meters));
                }
            }
        }

        return found;
    }

    /// <summary>Where residents of a unit start from: the centre and the corners of each of its grids.</summary>
    private List<GeoPoint> RepresentativePoints(string unitCode)
    {
        var points = new HashSet<GeoPoint>();
        var pending = new Stack<string>([unitCode]);
        while (pending.TryPop(out var code))
        {
            var unit = grid.Find(code)!;
            if (unit.Level == Grains.Abstractions.Grid.UnitLevel.Grid)
            {
                points.Add(new GeoPoint(unit.Boundary.Average(p => p.Latitude), unit.Boundary.Average(p => p.Longitude)));
                points.UnionWith(unit.Boundary);
            }

            foreach (var child in grid.ChildrenOf(code))
            {
                pending.Push(child);
            }
        }

        return [.. points.OrderBy(p => p.Latitude).ThenBy(p => p.Longitude)];
    }

    private static void EnsureWithinUnit(Caller caller, string gridCode)
    {
        if (!GridUnitCode.IsWithin(gridCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} maintain the facilities of that unit's subtree only; grid {gridCode} is outside it.");
        }
    }

    private static async Task<Facility?> ExistingAsync(IFacilityGrain grain)
    {
        try
        {
            return await grain.Get();
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.NotFound)
        {
            return null;
        }
    }

    private static IReadOnlyList<FieldViolation> ValidateMode(TravelMode mode) =>
        mode is TravelMode.Unspecified or TravelMode.Walk or TravelMode.Bike ? [] : [new FieldViolation("mode", "must be TRAVEL_MODE_WALK or TRAVEL_MODE_BIKE")];

    private TravelModel Travel(TravelMode mode, int minutes) => new(
        mode == TravelMode.Bike ? TravelMode.Bike : TravelMode.Walk,
        mode == TravelMode.Bike ? options.Circle.BikeMetersPerMinute : options.Circle.WalkMetersPerMinute,
        options.Circle.DetourFactor,
        minutes == 0 ? CircleRules.DefaultMinutes : minutes);

    /// <summary>The ISO weekday and minute of the day in the city's local time.</summary>
    private (int Day, int Minute) LocalTime(DateTimeOffset instant)
    {
        var local = instant.ToOffset(options.Circle.UtcOffset);
        return (local.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)local.DayOfWeek, (local.Hour * 60) + local.Minute);
    }

    private static FacilityDraft FromProto(V1.Facility facility) => new(
        facility.FacilityId,
        facility.Name,
        facility.Category,
        facility.Location is null ? null : new GeoPoint(facility.Location.Latitude, facility.Location.Longitude),
        facility.Address,
        [.. facility.OpeningHours.Select(p => new OpeningHoursDraft([.. p.Days], p.Opens, p.Closes))],
        facility.OpenAllHours,
        facility.Capacity);

    /// <summary>How far the minutes reach: great-circle radius = minutes × speed ÷ detour factor.</summary>
    private sealed record TravelModel(TravelMode Mode, double MetersPerMinute, double DetourFactor, int Minutes)
    {
        public double RadiusMeters => Minutes * MetersPerMinute / DetourFactor;

        public double MinutesFor(double meters) => meters * DetourFactor / MetersPerMinute;

        public TravelAssumptions ToProto() => new()
        {
            Mode = Mode,
            MetersPerMinute = MetersPerMinute,
            DetourFactor = DetourFactor,
            Minutes = Minutes,
            RadiusMeters = Math.Round(RadiusMeters, 1),
        };
    }
}

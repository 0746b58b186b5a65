using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Abstractions.Circle;

/// <summary>
/// One weekly opening period in the city's local time: the weekdays it applies to (bit 0 = Monday …
/// bit 6 = Sunday) and minutes after midnight. A close earlier than the open runs past midnight.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct OpeningPeriod([property: Id(0)] int Days, [property: Id(1)] int Opens, [property: Id(2)] int Closes)
{
    public const int MinutesPerDay = 24 * 60;

    /// <summary>Open at <paramref name="minuteOfDay"/> on ISO weekday <paramref name="isoDay"/> (1 = Monday)?</summary>
    public bool IsOpen(int isoDay, int minuteOfDay)
    {
        if (Opens < Closes)
        {
            return On(isoDay) && minuteOfDay >= Opens && minuteOfDay < Closes;
        }

        // Past midnight: the evening part belongs to this day, the small hours to the day before.
        var previous = isoDay == 1 ? 7 : isoDay - 1;
        return (On(isoDay) && minuteOfDay >= Opens) || (On(previous) && minuteOfDay < Closes);
    }

    private bool On(int isoDay) => (Days & (1 << (isoDay - 1))) != 0;
}

/// <summary>A facility of daily life on the map.</summary>
[GenerateSerializer, Immutable]
public sealed record Facility(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Category,
    [property: Id(3)] GeoPoint Location,
    [property: Id(4)] string Address,
    [property: Id(5)] IReadOnlyList<OpeningPeriod> OpeningHours,
    [property: Id(6)] bool OpenAllHours,
    [property: Id(7)] int Capacity,
    [property: Id(8)] string GridCode,
    [property: Id(9)] DateTimeOffset UpdatedAt)
{
    /// <summary>Open at that local day and minute; unknown hours count as closed.</summary>
    public bool IsOpen(int isoDay, int minuteOfDay) => OpenAllHours || OpeningHours.Any(p => p.IsOpen(isoDay, minuteOfDay));
}

/// <summary>What one map cell holds, at one version.</summary>
[GenerateSerializer, Immutable]
public sealed record CellSnapshot([property: Id(0)] long Version, [property: Id(1)] IReadOnlyList<Facility> Facilities);

/// <summary>A committed change of a facility, and the map cells it changed.</summary>
[GenerateSerializer, Immutable]
public sealed record FacilityChange([property: Id(0)] Facility? Facility, [property: Id(1)] IReadOnlyList<string> Cells);

/// <summary>One facility, keyed by its id: where it is now, so a move leaves its old cell.</summary>
public interface IFacilityGrain : IGrainWithStringKey
{
    Task<FacilityChange> Upsert(Facility facility);

    /// <exception cref="Errors.DomainException">NotFound when there is no such facility.</exception>
    Task<FacilityChange> Remove();

    /// <exception cref="Errors.DomainException">NotFound when there is no such facility.</exception>
    [Orleans.Concurrency.ReadOnly]
    Task<Facility> Get();
}

/// <summary>
/// One cell of the map (<see cref="MapCell"/>), keyed by its key: the facilities inside it. Readers
/// keep its snapshot and ask again only for what changed.
/// </summary>
public interface IMapCellGrain : IGrainWithStringKey
{
    /// <summary>The cell's facilities, or null when the caller's <paramref name="knownVersion"/> is current.</summary>
    [Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<CellSnapshot?> GetIfChanged(long knownVersion);

    Task Put(Facility facility);

    Task Remove(string facilityId);
}

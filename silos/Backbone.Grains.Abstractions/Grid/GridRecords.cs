namespace Backbone.Grains.Abstractions.Grid;

public enum UnitLevel
{
    City = 1,
    District = 2,
    Street = 3,
    Community = 4,
    Grid = 5,
}

/// <summary>A point in GCJ-02 degrees.</summary>
[GenerateSerializer, Immutable]
public readonly record struct GeoPoint([property: Id(0)] double Latitude, [property: Id(1)] double Longitude);

/// <summary>A unit as callers see it: the seed's structure with any edits applied.</summary>
[GenerateSerializer, Immutable]
public sealed record GridUnitSnapshot(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] UnitLevel Level,
    [property: Id(3)] string ParentCode,
    [property: Id(4)] string DutyPhone,
    [property: Id(5)] IReadOnlyList<GeoPoint> Boundary,
    [property: Id(6)] int ChildCount,
    [property: Id(7)] string Etag);

/// <summary>A validated edit of a unit. A null field is left as it is.</summary>
[GenerateSerializer, Immutable]
public sealed record GridUnitChange(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? DutyPhone,
    [property: Id(2)] string? ExpectedEtag);

/// <summary>One unit of the grid tree, keyed by its code. Its structure comes from the seed; its edits are its own state.</summary>
public interface IGridUnitGrain : IGrainWithStringKey
{
    /// <exception cref="Errors.DomainException">NotFound when the seed has no such unit.</exception>
    [Orleans.Concurrency.ReadOnly]
    Task<GridUnitSnapshot> Get();

    /// <exception cref="Errors.DomainException">NotFound, or Aborted when the expected etag is stale.</exception>
    Task<GridUnitSnapshot> Update(GridUnitChange change);
}

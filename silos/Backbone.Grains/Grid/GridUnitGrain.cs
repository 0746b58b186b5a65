using System.Globalization;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Grid;

/// <summary>What city administrators changed of a unit; everything else comes from the seed.</summary>
[GenerateSerializer]
public sealed class GridUnitState
{
    [Id(0)] public string? Name { get; set; }
    [Id(1)] public string? DutyPhone { get; set; }
    /// <summary>Counts committed edits; the public etag is derived from it.</summary>
    [Id(2)] public long Version { get; set; }
}

[GrainType("gridunit")]
public sealed class GridUnitGrain(
    [PersistentState("gridUnit")] IPersistentState<GridUnitState> edits,
    GridSeed seed) : Grain, IGridUnitGrain
{
    public Task<GridUnitSnapshot> Get() => Task.FromResult(Snapshot(Seeded()));

    public async Task<GridUnitSnapshot> Update(GridUnitChange change)
    {
        var unit = Seeded();
        if (change.ExpectedEtag is { } expected && expected != Etag())
        {
            throw DomainException.Aborted($"Unit {unit.Code} was changed since etag {expected} was read (current etag {Etag()}).");
        }

        edits.State.Name = change.Name ?? edits.State.Name;
        edits.State.DutyPhone = change.DutyPhone ?? edits.State.DutyPhone;
        edits.State.Version++;
        await edits.WriteOrForgetAsync(this);
        return Snapshot(unit);
    }

    private SeedUnit Seeded() =>
        seed.Find(this.GetPrimaryKeyString()) ?? throw DomainException.NotFound($"No grid unit has code {this.GetPrimaryKeyString()}.");

    private string Etag() => edits.State.Version.ToString(CultureInfo.InvariantCulture);

    private GridUnitSnapshot Snapshot(SeedUnit unit) => new(
        unit.Code,
        edits.State.Name ?? unit.Name,
        unit.Level,
        unit.ParentCode,
        edits.State.DutyPhone ?? unit.DutyPhone,
        unit.Boundary,
        seed.ChildrenOf(unit.Code).Count,
        Etag());
}

using Backbone.Grains.Abstractions.Circle;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Circle;

[GenerateSerializer]
public sealed class FacilityState
{
    /// <summary>The facility as last upserted; null with <see cref="Removed"/> false: as the seed has it (if at all).</summary>
    [Id(0)] public Facility? Current { get; set; }

    [Id(1)] public bool Removed { get; set; }

    /// <summary>Cells that may still hold an older copy (after a move or a removal), until they are told.</summary>
    [Id(2)] public List<string> Stale { get; set; } = [];
}

/// <summary>
/// One facility: where it is now. Its own state is written first, then the cells; a cell that may
/// still hold an old copy stays listed in <see cref="FacilityState.Stale"/> until it has dropped it,
/// so a retry after a failure (or the next change) finishes the job. Cell operations are idempotent.
/// </summary>
[GrainType("facility")]
public sealed class FacilityGrain(
    [PersistentState("facility")] IPersistentState<FacilityState> record,
    FacilitySeed seed,
    TimeProvider clock) : Grain, IFacilityGrain
{
    private string Id => this.GetPrimaryKeyString();

    public Task<Facility> Get() => Task.FromResult(Current() ?? throw NotFound());

    public async Task<FacilityChange> Upsert(Facility facility)
    {
        var stored = facility with { Id = Id, UpdatedAt = clock.GetUtcNow() };
        var newCell = MapCell.Of(stored.Location).Key;
        if (Current() is { } previous && MapCell.Of(previous.Location).Key != newCell)
        {
            AddStale(MapCell.Of(previous.Location).Key);
        }

        record.State.Current = stored;
        record.State.Removed = false;
        record.State.Stale.Remove(newCell);
        await record.WriteOrForgetAsync(this);
        await GrainFactory.GetGrain<IMapCellGrain>(newCell).Put(stored);
        return new FacilityChange(stored, [newCell, .. await ClearStaleAsync()]);
    }

    public async Task<FacilityChange> Remove()
    {
        var current = Current() ?? throw NotFound();
        AddStale(MapCell.Of(current.Location).Key);
        record.State.Current = null;
        record.State.Removed = true;
        await record.WriteOrForgetAsync(this);
        return new FacilityChange(null, await ClearStaleAsync());
    }

    private Facility? Current() => record.State.Removed ? null : record.State.Current ?? seed.Find(Id);

    private void AddStale(string cell)
    {
        if (!record.State.Stale.Contains(cell))
        {
            record.State.Stale.Add(cell);
        }
    }

    /// <summary>Tells every stale cell to drop its copy; gives the cells it told.</summary>
    private async Task<string[]> ClearStaleAsync()
    {
        var cells = record.State.Stale.ToArray();
        if (cells.Length == 0)
        {
            return cells;
        }

        await Task.WhenAll(cells.Select(cell => GrainFactory.GetGrain<IMapCellGrain>(cell).Remove(Id)));
        record.State.Stale.Clear();
        await record.WriteOrForgetAsync(this);
        return cells;
    }

    private DomainException NotFound() => DomainException.NotFound($"No facility has id {Id}.");
}

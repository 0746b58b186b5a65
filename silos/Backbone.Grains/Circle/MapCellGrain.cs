using Backbone.Grains.Abstractions.Circle;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Circle;

/// <summary>What changed in a cell since the seed: facilities put here, and seeded ones taken away.</summary>
[GenerateSerializer]
public sealed class MapCellState
{
    [Id(0)] public Dictionary<string, Facility> Put { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public HashSet<string> Removed { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Counts committed changes, so readers can ask for a snapshot only when it moved.</summary>
    [Id(2)] public long Version { get; set; }
}

/// <summary>One map cell: the seed's facilities in it, with the cell's own changes applied.</summary>
[GrainType("mapcell")]
public sealed class MapCellGrain(
    [PersistentState("map-cell")] IPersistentState<MapCellState> changes,
    FacilitySeed seed) : Grain, IMapCellGrain
{
    private CellSnapshot? _snapshot;

    public Task<CellSnapshot?> GetIfChanged(long knownVersion) =>
        Task.FromResult(knownVersion == changes.State.Version ? null : _snapshot ??= Snapshot());

    public async Task Put(Facility facility)
    {
        changes.State.Put[facility.Id] = facility;
        changes.State.Removed.Remove(facility.Id);
        await CommitAsync();
    }

    public async Task Remove(string facilityId)
    {
        var wasPut = changes.State.Put.Remove(facilityId);
        var seeded = seed.InCell(this.GetPrimaryKeyString()).Any(f => f.Id == facilityId) && changes.State.Removed.Add(facilityId);
        if (wasPut || seeded)
        {
            await CommitAsync();
        }
    }

    private async Task CommitAsync()
    {
        changes.State.Version++;
        _snapshot = null;
        await changes.WriteOrForgetAsync(this);
    }

    private CellSnapshot Snapshot() => new(
        changes.State.Version,
        [
            .. seed.InCell(this.GetPrimaryKeyString()).Where(f => !changes.State.Removed.Contains(f.Id) && !changes.State.Put.ContainsKey(f.Id)),
            .. changes.State.Put.Values,
        ]);
}

using System.Collections.Concurrent;
using Backbone.Grains.Abstractions.Circle;
using Backbone.Silo.Hosting;

namespace Backbone.Silo.Circle;

/// <summary>
/// This node's copies of the map cells it has read. A search reads the copies in memory (a search never
/// writes); a copy older than <c>Backbone:Circle:ReadFreshness</c> is checked with its cell grain, which
/// answers with its facilities only when its version moved. So a change reaches every node's readers
/// within that time (half a second by default), and at once on the node that made it.
/// </summary>
public sealed class CellReader(IGrainFactory grains, BackboneOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Copy> _copies = new(StringComparer.Ordinal);
    private readonly long _freshFor = (long)(options.Circle.ReadFreshness.TotalSeconds * clock.TimestampFrequency);

    public ValueTask<CellSnapshot> ReadAsync(MapCell cell) =>
        _copies.TryGetValue(cell.Key, out var copy) && clock.GetTimestamp() - copy.CheckedAt < _freshFor
            ? ValueTask.FromResult(copy.Snapshot)
            : new ValueTask<CellSnapshot>(RefreshAsync(cell.Key, copy));

    /// <summary>After a change through this node: its cells are read again now, so the next search here sees it.</summary>
    public Task RefreshAsync(IEnumerable<string> cellKeys) => Task.WhenAll(cellKeys.Select(key => RefreshAsync(key, known: null)));

    private async Task<CellSnapshot> RefreshAsync(string key, Copy? known)
    {
        var checkedAt = clock.GetTimestamp();
        var changed = await grains.GetGrain<IMapCellGrain>(key).GetIfChanged(known?.Snapshot.Version ?? -1);
        var fresh = new Copy(changed ?? known!.Snapshot, checkedAt);
        // A slower read that started earlier must not put an older version back.
        return _copies.AddOrUpdate(key, fresh, (_, current) => current.Snapshot.Version > fresh.Snapshot.Version ? current : fresh).Snapshot;
    }

    private sealed record Copy(CellSnapshot Snapshot, long CheckedAt);
}

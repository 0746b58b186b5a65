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
    private readonly ConcurrentDictionary<MapCell, CellCopy> _copies = new();
    private readonly long _freshFor = (long)(options.Circle.ReadFreshness.TotalSeconds * clock.TimestampFrequency);

    public ValueTask<CellCopy> ReadAsync(MapCell cell) =>
        _copies.TryGetValue(cell, out var copy) && clock.GetTimestamp() - copy.CheckedAt < _freshFor
            ? ValueTask.FromResult(copy)
            : new ValueTask<CellCopy>(RefreshAsync(cell, copy));

    /// <summary>After a change through this node: its cells are read again now, so the next search here sees it.</summary>
    public Task RefreshAsync(IEnumerable<string> cellKeys) => Task.WhenAll(cellKeys.Select(key => RefreshAsync(MapCell.Parse(key), known: null)));

    private async Task<CellCopy> RefreshAsync(MapCell cell, CellCopy? known)
    {
        var checkedAt = clock.GetTimestamp();
        var changed = await grains.GetGrain<IMapCellGrain>(cell.Key).GetIfChanged(known?.Version ?? -1);
        var fresh = changed is null ? known! with { CheckedAt = checkedAt } : CellCopy.Of(changed, checkedAt);
        // A slower read that started earlier must not put an older version back.
        return _copies.AddOrUpdate(cell, fresh, (_, current) => current.Version > fresh.Version ? current : fresh);
    }
}

/// <summary>
/// A node's copy of one cell: its facilities, and each one already in its wire form, so a search only
/// filters and sorts (the messages are never changed after this, so answers share them).
/// </summary>
public sealed record CellCopy(long Version, Facility[] Facilities, V1.Facility[] Messages, long CheckedAt)
{
    public static CellCopy Of(CellSnapshot snapshot, long checkedAt) =>
        new(snapshot.Version, [.. snapshot.Facilities], [.. snapshot.Facilities.Select(CircleMessages.ToProto)], checkedAt);
}

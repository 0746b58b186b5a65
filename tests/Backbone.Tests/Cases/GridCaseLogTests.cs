using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Cases;
using Backbone.Tests.Storage;
using Orleans.Storage;

namespace Backbone.Tests.Cases;

/// <summary>
/// A grid's log of changes in pages on the real embedded store: each test's "activations" are fresh
/// <see cref="GridCaseLog"/>s over the same file, as a grid that left memory (or whose node died) reads it back.
/// </summary>
public sealed class GridCaseLogTests : IDisposable
{
    private readonly SqliteStore _store = new();
    private readonly GrainId _grid = GrainId.Create("unitcases", "510104001001001");

    public void Dispose() => _store.Dispose();

    private GridCaseLog Activation() => new(_store.GrainStorage(), _grid);

    private static GridCaseChange Change(long gridVersion) => new(
        $"C{gridVersion:D6}",
        1,
        new CaseSummary(CaseState.Submitted, false, false, false, null, "噪音 noise", DateTimeOffset.UnixEpoch.AddMinutes(gridVersion), []),
        gridVersion);

    private static async Task Append(GridCaseLog log, long from, long to, long indexVersion)
    {
        for (var v = from; v <= to; v++)
        {
            Assert.True(await log.TryAppend(Change(v), indexVersion), $"change {v} was not logged");
        }
    }

    [Fact]
    public async Task Changes_logged_over_several_pages_read_back_in_order_from_any_index_version()
    {
        await Append(Activation(), 1, 21, indexVersion: 0);

        Assert.Equal(Enumerable.Range(1, 21).Select(v => (long)v), (await Activation().ReadAfter(0)).Select(c => c.GridVersion));
        Assert.Equal(Enumerable.Range(6, 16).Select(v => (long)v), (await Activation().ReadAfter(5)).Select(c => c.GridVersion));
        Assert.Equal(["C000017", "C000018", "C000019", "C000020", "C000021"], (await Activation().ReadAfter(16)).Select(c => c.CaseId));
        Assert.Empty(await Activation().ReadAfter(21));
        Assert.Equal("噪音 noise", (await Activation().ReadAfter(20))[0].Summary.Category);
    }

    [Fact]
    public async Task A_full_ring_asks_for_the_index_and_after_it_the_ring_comes_round_without_losing_a_change()
    {
        var log = Activation();
        await Append(log, 1, GridCaseLog.Capacity, indexVersion: 0);

        // The next change's page still holds changes 1-8, which no index holds: nothing is written.
        Assert.False(await log.TryAppend(Change(GridCaseLog.Capacity + 1), indexVersion: 0));
        Assert.Equal(GridCaseLog.Capacity, (await Activation().ReadAfter(0)).Count);

        // Once the index holds 257 (written whole with it), the ring comes round over the first page.
        await Append(log, GridCaseLog.Capacity + 2, GridCaseLog.Capacity + 12, indexVersion: GridCaseLog.Capacity + 1);

        var reread = Activation();
        Assert.Equal(Enumerable.Range(GridCaseLog.Capacity + 2, 11).Select(v => (long)v), (await reread.ReadAfter(GridCaseLog.Capacity + 1)).Select(c => c.GridVersion));
        // A new activation logs on where the last left off, into pages it has only read.
        await Append(reread, GridCaseLog.Capacity + 13, GridCaseLog.Capacity + 20, indexVersion: GridCaseLog.Capacity + 1);
        Assert.Equal(19, (await Activation().ReadAfter(GridCaseLog.Capacity + 1)).Count);
    }

    [Fact]
    public async Task A_second_activation_logging_a_version_already_logged_is_refused()
    {
        var first = Activation();
        var second = Activation();
        await Append(first, 1, 3, indexVersion: 0);
        await Append(second, 4, 4, indexVersion: 0); // it read the page after the first wrote it: 4 is new to both

        // The first had read the page before the second wrote it; the second now reads what the first logged.
        await Assert.ThrowsAsync<InconsistentStateException>(() => first.TryAppend(Change(5), indexVersion: 0));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Activation().TryAppend(Change(4), indexVersion: 0));
        Assert.Equal([1L, 2, 3, 4], (await Activation().ReadAfter(0)).Select(c => c.GridVersion));
    }
}

using Orleans.Storage;

namespace Backbone.Grains.Cases;

/// <summary>
/// A grid's case changes since its index was last written whole, kept in a ring of <see cref="Pages"/> pages of
/// <see cref="PageSize"/> changes, each page a stored record of its own (keyed by the grid, named
/// <see cref="PageName"/>). Change <c>v</c> (grid versions count from 1) belongs to block <c>(v - 1) / PageSize</c>,
/// whose page is the block's number modulo <see cref="Pages"/>: a change rewrites its page only, at most
/// <see cref="PageSize"/> changes however large the index. The index must be written whole before the ring comes
/// round to a page that still holds a change it lacks (<see cref="TryAppend"/> says when), so about every
/// <see cref="Capacity"/> changes.
/// </summary>
/// <remarks>
/// Before, the log was one record rewritten whole on every change and the index was written whole once the log
/// reached the square root of twice its size: each change then wrote that square root's worth twice over, about
/// 63 cases' summaries a change in a grid of 2,000 cases, which grew with the grid and was the largest part of
/// an appeal's cost in a storm (docs/benchmarks.md). Now a change writes about 4 of its page plus the index's
/// 2,000 / 256, and reading the log on activation reads the pages from the index's version on, one after
/// another, until one ends short (one or two, usually).
/// </remarks>
public sealed class GridCaseLog(IGrainStorage store, GrainId grid)
{
    public const int PageSize = 8;
    public const int Pages = 32;
    public const int Capacity = PageSize * Pages;

    /// <summary>What each page holds as last read or written (null: not read yet in this activation), with its ETag.</summary>
    private readonly GrainState<GridCaseChangesState>?[] _pages = new GrainState<GridCaseChangesState>?[Pages];

    public static string PageName(int page) => $"grid-case-changes/{page}";

    private static long BlockOf(long gridVersion) => (gridVersion - 1) / PageSize;

    private static int PageOf(long gridVersion) => (int)(BlockOf(gridVersion) % Pages);

    /// <summary>The changes logged after the index's version, oldest first.</summary>
    public async Task<List<GridCaseChange>> ReadAfter(long indexVersion)
    {
        var changes = new List<GridCaseChange>();
        var next = indexVersion + 1;
        for (var read = 0; read < Pages; read++)
        {
            var from = next;
            // A page holds its block's changes in order, the first ones perhaps already in the index; one from an
            // earlier round of the ring holds none after the index's version.
            foreach (var change in (await Page(PageOf(next))).State!.Changes)
            {
                if (change.GridVersion == next)
                {
                    changes.Add(change);
                    next++;
                }
            }

            if (next == from || BlockOf(next) == BlockOf(next - 1))
            {
                break; // the log ends in this page
            }
        }

        return changes;
    }

    /// <summary>
    /// Stores <paramref name="change"/> in its page; false, storing nothing, when that page still holds a change
    /// after <paramref name="indexVersion"/> from an earlier block (the ring is full: write the index whole).
    /// </summary>
    /// <exception cref="InconsistentStateException">The page holds this version already, or changed since it was read: another activation of the grid wrote it.</exception>
    public async Task<bool> TryAppend(GridCaseChange change, long indexVersion)
    {
        var number = PageOf(change.GridVersion);
        var page = await Page(number);
        var held = page.State!.Changes;
        if (held.Any(c => c.GridVersion >= change.GridVersion))
        {
            throw new InconsistentStateException($"Page {number} of grid {grid}'s log already holds version {change.GridVersion}: another activation logged it.");
        }

        var sameBlock = held.Count > 0 && BlockOf(held[0].GridVersion) == BlockOf(change.GridVersion);
        if (!sameBlock && held.Any(c => c.GridVersion > indexVersion))
        {
            return false;
        }

        var written = new GrainState<GridCaseChangesState>(new GridCaseChangesState { Changes = sameBlock ? [.. held, change] : [change] })
        {
            ETag = page.ETag,
            RecordExists = page.RecordExists,
        };
        await store.WriteStateAsync(PageName(number), grid, written);
        _pages[number] = written;
        return true;
    }

    private async Task<GrainState<GridCaseChangesState>> Page(int number)
    {
        if (_pages[number] is { } known)
        {
            return known;
        }

        var page = new GrainState<GridCaseChangesState>(new GridCaseChangesState());
        await store.ReadStateAsync(PageName(number), grid, page);
        return _pages[number] = page;
    }
}

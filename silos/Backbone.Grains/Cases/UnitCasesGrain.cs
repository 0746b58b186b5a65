using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;
using Backbone.Grains.Persistence;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class GridCasesState
{
    /// <summary>Each case of the grid: its latest version and summary.</summary>
    [Id(0)] public Dictionary<string, (long Version, CaseSummary Summary)> Cases { get; set; } = [];
    [Id(1)] public long Version { get; set; }
    /// <summary>The grid version at which each case last changed: what watchers resume from.</summary>
    [Id(2)] public Dictionary<string, long> ChangedAt { get; set; } = [];
}

/// <summary>The grid's case changes since its whole index was last written, oldest first.</summary>
[GenerateSerializer]
public sealed class GridCaseChangesState
{
    [Id(0)] public List<GridCaseChange> Changes { get; set; } = [];
}

[GenerateSerializer]
public sealed record GridCaseChange(
    [property: Id(0)] string CaseId,
    [property: Id(1)] long CaseVersion,
    [property: Id(2)] CaseSummary Summary,
    [property: Id(3)] long GridVersion);

/// <summary>
/// Statistics are kept as cases move, never by scanning cases: a case tells its grid, the grid tells its
/// community, and so up to the city. Only grids store anything; a parent asks its children once when it
/// activates and then follows their pushes. A parent's version is the sum of its children's, so it only
/// grows, also across reactivations.
///
/// A grid's index is not rewritten whole on every change: a change is stored in a short log of the changes
/// since the index was last written, and the index is written whole (the log then starts again) once the
/// log has about the square root of twice the index's size in it, which makes the bytes written per change
/// about that square root rather than the whole index (at 10,000 cases, 140 entries instead of 10,000;
/// rewriting it whole took a quarter of the node's CPU in an appeal storm, docs/benchmarks.md).
/// </summary>
public sealed class UnitCasesGrain(
    [PersistentState("grid-cases")] IPersistentState<GridCasesState> grid,
    [PersistentState("grid-case-changes")] IPersistentState<GridCaseChangesState> changeLog,
    GridSeed seed,
    IGrainFactory grains,
    ILogger<UnitCasesGrain> logger) : Grain, IUnitCasesGrain
{
    /// <summary>However small the index, it is written whole only after this many logged changes.</summary>
    private const int MinChangesBeforeWholeWrite = 8;

    private readonly ObserverManager<IGridCasesWatcher> _watchers = new(CaseGrain.WatchLifetime, logger);
    private readonly Dictionary<string, (long Version, UnitTotals Totals)> _children = new(StringComparer.Ordinal);
    private long _version;
    private UnitTotals _totals = UnitTotals.Empty;

    private string Code => this.GetPrimaryKeyString();

    private bool IsGrid => GridUnitCode.LevelOf(Code) == UnitLevel.Grid;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (IsGrid)
        {
            // The log's changes the whole index does not hold yet (it holds those up to its version).
            changeLog.State.Changes.RemoveAll(c => c.GridVersion <= grid.State.Version);
            foreach (var change in changeLog.State.Changes)
            {
                Remember(change);
            }

            _version = grid.State.Version;
            _totals = UnitTotals.Of(grid.State.Cases.Values.Select(c => c.Summary));
            return;
        }

        foreach (var child in seed.ChildrenOf(Code))
        {
            _children[child] = await grains.GetGrain<IUnitCasesGrain>(child).Get();
        }

        _version = _children.Values.Sum(c => c.Version);
        _totals = UnitTotals.Sum(_children.Values.Select(c => c.Totals));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _watchers.DropAll(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task Apply(string caseId, long caseVersion, CaseSummary summary)
    {
        if (!IsGrid || (grid.State.Cases.TryGetValue(caseId, out var known) && known.Version >= caseVersion))
        {
            return;
        }

        var change = new GridCaseChange(caseId, caseVersion, summary, grid.State.Version + 1);
        Remember(change);
        changeLog.State.Changes.Add(change);
        var logged = changeLog.State.Changes.Count;
        if (logged < MinChangesBeforeWholeWrite || logged * logged < 2 * grid.State.Cases.Count)
        {
            await changeLog.WriteOrForgetAsync(this);
        }
        else
        {
            // The whole index, which holds every logged change: the stored log is now behind it and is
            // skipped on activation; it is overwritten by the next change.
            await grid.WriteOrForgetAsync(this);
            changeLog.State.Changes.Clear();
        }

        _version = grid.State.Version;
        _watchers.Notify(watcher => watcher.CaseChanged(Code, _version, caseId));
        // Only the changed case is recounted: its old summary out, its new one in.
        _totals = _totals.Plus(UnitTotals.Of([summary]));
        if (known.Summary is { } previous)
        {
            _totals = _totals.Plus(UnitTotals.Of([previous]), sign: -1);
        }
        await TellParent();
    }

    /// <summary>A change applied to the in-memory index (which is always whole: index and log together).</summary>
    private void Remember(GridCaseChange change)
    {
        grid.State.Cases[change.CaseId] = (change.CaseVersion, change.Summary);
        grid.State.Version = change.GridVersion;
        grid.State.ChangedAt[change.CaseId] = change.GridVersion;
    }

    public async Task ChildChanged(string childCode, long childVersion, UnitTotals totals)
    {
        var had = _children.TryGetValue(childCode, out var known);
        if (had && known.Version >= childVersion)
        {
            return;
        }

        _children[childCode] = (childVersion, totals);
        // The child's old figures out, its new ones in: no recount over every child.
        _version += childVersion - (had ? known.Version : 0);
        _totals = _totals.Plus(totals);
        if (had)
        {
            _totals = _totals.Plus(known.Totals, sign: -1);
        }

        await TellParent();
    }

    public Task<(long Version, UnitTotals Totals)> Get() => Task.FromResult((_version, _totals));

    public Task<GridChanges> Watch(IGridCasesWatcher watcher, long sinceVersion)
    {
        _watchers.Subscribe(watcher, watcher);
        var changed = grid.State.ChangedAt.Where(c => c.Value > sinceVersion).OrderBy(c => c.Value).Select(c => (c.Key, c.Value)).ToList();
        return Task.FromResult(new GridChanges(grid.State.Version, changed));
    }

    public Task Unwatch(IGridCasesWatcher watcher)
    {
        _watchers.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CaseListing>> Find(CaseQuery query, int limit)
    {
        IReadOnlyList<CaseListing> found = grid.State.Cases
            .Where(c => Matches(c.Key, c.Value.Summary, query))
            .Select(c => new CaseListing(c.Key, c.Value.Summary.CreateTime))
            .OrderByDescending(c => c.CreateTime).ThenByDescending(c => c.CaseId, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
        return Task.FromResult(found);
    }

    private static bool Matches(string caseId, CaseSummary summary, CaseQuery query) =>
        (query.State is null || summary.State == query.State)
        && (query.Category is null || summary.Category == query.Category)
        && (!query.OverdueOnly || summary.Overdue)
        && (query.SubmittedAfter is null || summary.CreateTime >= query.SubmittedAfter)
        && (query.SubmittedBefore is null || summary.CreateTime < query.SubmittedBefore)
        && (query.After is null || CaseListings.IsOlder(summary.CreateTime, caseId, query.After));

    private Task TellParent() =>
        GridUnitCode.IsCity(Code) ? Task.CompletedTask : grains.GetGrain<IUnitCasesGrain>(GridUnitCode.ParentOf(Code)).ChildChanged(Code, _version, _totals);
}

public static class CaseListings
{
    /// <summary>Newest-first order: is (time, id) after <paramref name="cursor"/> in that order?</summary>
    public static bool IsOlder(DateTimeOffset createTime, string caseId, CaseCursor cursor) =>
        createTime < cursor.CreateTime || (createTime == cursor.CreateTime && string.CompareOrdinal(caseId, cursor.CaseId) < 0);
}

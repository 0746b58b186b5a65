using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;
using Backbone.Grains.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.Utilities;

namespace Backbone.Grains.Cases;

/// <summary>
/// When a grid's closed cases leave its index for archived chunks: <paramref name="ArchiveAfter"/> after they
/// closed, <paramref name="ChunkSize"/> at a time.
/// </summary>
public sealed record CaseArchiveSettings(int ChunkSize, TimeSpan ArchiveAfter)
{
    public static readonly CaseArchiveSettings Default = new(64, TimeSpan.FromDays(30));
}

[GenerateSerializer]
public sealed class GridCasesState
{
    /// <summary>Each case of the grid but the archived ones: its latest version and summary.</summary>
    [Id(0)] public Dictionary<string, (long Version, CaseSummary Summary)> Cases { get; set; } = [];
    [Id(1)] public long Version { get; set; }
    /// <summary>The grid version at which each case last changed: what watchers resume from.</summary>
    [Id(2)] public Dictionary<string, long> ChangedAt { get; set; } = [];
    /// <summary>When the grid learned that each of its closed cases closed: they are archived some time after.</summary>
    [Id(3)] public Dictionary<string, DateTimeOffset> ClosedAt { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The archived chunks, by number: the creation times each spans, and the grid version of its last change.</summary>
    [Id(4)] public List<SealedSpan> ArchivedChunks { get; set; } = [];
    /// <summary>What the archived cases add to the grid's figures.</summary>
    [Id(5)] public UnitTotals ArchivedTotals { get; set; } = UnitTotals.Empty;
}

/// <summary>
/// Changes to a grid's cases, oldest first: a page of its log (<see cref="GridCaseLog"/>), or the single log an
/// earlier build kept, which is only read now.
/// </summary>
[GenerateSerializer]
public sealed class GridCaseChangesState
{
    [Id(0)] public List<GridCaseChange> Changes { get; set; } = [];
}

/// <summary>A case's summary as its grid applied it (<paramref name="Time"/>: when; unset in changes logged before it was kept).</summary>
[GenerateSerializer]
public sealed record GridCaseChange(
    [property: Id(0)] string CaseId,
    [property: Id(1)] long CaseVersion,
    [property: Id(2)] CaseSummary Summary,
    [property: Id(3)] long GridVersion,
    [property: Id(4)] DateTimeOffset Time = default);

/// <summary>
/// Statistics are kept as cases move, never by scanning cases: a case tells its grid, the grid tells its
/// community, and so up to the city. Only grids store anything; a parent asks its children once when it
/// activates and then follows their pushes. A parent's version is the sum of its children's, so it only
/// grows, also across reactivations.
///
/// A grid's index is not rewritten whole on every change: a change is stored in a log of the changes since
/// the index was last written (<see cref="GridCaseLog"/>: it rewrites one page of at most 8 changes), and the
/// index is written whole about every 256 changes, when the log's ring of pages is full, and as the grid leaves
/// memory. Rewriting the index on every change took a quarter of the node's CPU in an appeal storm
/// (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// A grid's index holds only what may still matter day to day: a closed case is archived some time after it
/// closed (30 days by default), a chunk of them at a time, into chunk grains written once, and what they add
/// to the grid's figures is kept as one total. So the index a grid keeps in memory, reads on activation and
/// rewrites, stays the size of its open and recently closed cases however many years of cases it has; before,
/// it held every case the grid ever had. Archived cases are still counted, listed (a listing reads the chunks
/// it reaches) and caught up on by watchers. A change to a case the grid no longer holds (a co-handler released
/// after it closed) is looked up in the chunks whose creation times span the case's: the case comes back into
/// the index, which wins over the archived copy, and is archived again later.
///
/// A grid also keeps its cases' deadlines, each case's next one in its summary, with one reminder set for the
/// earliest: when it fires, the grid tells each case whose deadline has come (one-way), and the case climbs, turns
/// overdue or closes, and tells the grid its next. Before, every open case held a reminder of its own, a write per
/// appeal and about 0.4 KB of the node's memory per open case (docs/benchmarks.md). The reminder is set before a
/// change with an earlier deadline is stored, so a stored deadline always has a reminder at or before it.
/// </remarks>
[GrainType("unitcases")]
public sealed class UnitCasesGrain(
    [PersistentState("grid-cases")] IPersistentState<GridCasesState> grid,
    [PersistentState("grid-case-changes")] IPersistentState<GridCaseChangesState> earlierLog,
    [FromKeyedServices(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME)] IGrainStorage store,
    GridSeed seed,
    CaseArchiveSettings archiving,
    CaseDeadlineSettings deadlines,
    IGrainFactory grains,
    ILogger<UnitCasesGrain> logger,
    TimeProvider clock) : Grain, IUnitCasesGrain, IRemindable
{
    private const string DeadlinesReminder = "deadlines";

    private readonly ObserverManager<IGridCasesWatcher> _watchers = new(CaseGrain.WatchLifetime, logger);
    private readonly Dictionary<string, (long Version, UnitTotals Totals)> _children = new(StringComparer.Ordinal);
    private long _version;
    private UnitTotals _totals = UnitTotals.Empty;
    private GridCaseLog? _log;

    /// <summary>The grid version the stored index holds: changes after it are only in the log.</summary>
    private long _indexVersion;

    /// <summary>Until then no chunk of closed cases can be due, so a change need not scan them (a busy grid holds thousands closed within the month).</summary>
    private DateTimeOffset _noChunkDueBefore;

    /// <summary>
    /// When the deadline reminder fires next, at the latest; never after a deadline still to come (null: none is
    /// set, as no case has a deadline pending).
    /// </summary>
    private DateTimeOffset? _deadlinesWakeBy;

    private string Code => this.GetPrimaryKeyString();

    private bool IsGrid => GridUnitCode.LevelOf(Code) == UnitLevel.Grid;

    private Dictionary<string, (long Version, CaseSummary Summary)> Cases => grid.State.Cases;

    private List<SealedSpan> ArchivedChunks => grid.State.ArchivedChunks;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (IsGrid)
        {
            // The logged changes the index does not hold yet (it holds those up to its version): first any an earlier
            // build left in its single log, then the pages.
            _indexVersion = grid.State.Version;
            _log = new GridCaseLog(store, this.GetGrainId());
            foreach (var change in earlierLog.State.Changes.Where(c => c.GridVersion > grid.State.Version))
            {
                Remember(change);
            }

            foreach (var change in await _log.ReadAfter(grid.State.Version))
            {
                Remember(change);
            }

            // Closed cases of an index written before closing times were kept: their archiving clock starts now.
            foreach (var (caseId, _) in Cases.Where(c => c.Value.Summary.State == CaseState.Closed && !grid.State.ClosedAt.ContainsKey(c.Key)))
            {
                grid.State.ClosedAt[caseId] = clock.GetUtcNow();
            }

            _version = grid.State.Version;
            _totals = UnitTotals.Of(Cases.Values.Select(c => c.Summary)).Plus(grid.State.ArchivedTotals).Within(Code);
            // The stored reminder was set at or before the earliest deadline still to come, and it fires again within its
            // period while a case it told has not answered.
            var now = clock.GetUtcNow();
            var earliest = Cases.Values.Min(c => c.Summary.NextDeadline);
            _deadlinesWakeBy = earliest <= now ? now + deadlines.CheckPeriod : earliest;
            return;
        }

        foreach (var child in seed.ChildrenOf(Code))
        {
            _children[child] = await grains.GetGrain<IUnitCasesGrain>(child).Get();
        }

        _version = _children.Values.Sum(c => c.Version);
        _totals = UnitTotals.Sum(_children.Values.Select(c => c.Totals)).Within(Code);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _watchers.DropAll(this.GetPrimaryKeyString());
        // Leaving with changes only in the log, the index is written whole: the next activation reads no pages, and a
        // node of an earlier build, which knows only the index and its single log, finds every case (docs/deploy.md).
        // Not after a failed write, whose change the in-memory index holds but storage may not.
        if (IsGrid && grid.State.Version > _indexVersion && reason.ReasonCode != DeactivationReasonCode.ApplicationError)
        {
            try
            {
                await WriteWholeIndex();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Grid {Grid} left memory without writing its index whole; its log holds the changes.", Code);
            }
        }
    }

    public async Task Apply(string caseId, long caseVersion, CaseSummary summary)
    {
        if (!IsGrid)
        {
            return;
        }

        var held = Cases.TryGetValue(caseId, out var known);
        if (held && (known.Version > caseVersion || (known.Version == caseVersion && known.Summary.NextDeadline == summary.NextDeadline)))
        {
            return;
        }

        var unarchived = false;
        if (!held && await ArchivedCopy(caseId, summary.CreateTime) is { } archived)
        {
            if (archived.CaseVersion >= caseVersion)
            {
                return;
            }

            // Back in the index, which wins over the archived copy: its archived figures leave the archived total.
            known = (archived.CaseVersion, archived.Summary);
            grid.State.ArchivedTotals = grid.State.ArchivedTotals.Plus(UnitTotals.Of([archived.Summary]), sign: -1);
            unarchived = true;
        }

        if (summary.NextDeadline is { } deadline && (_deadlinesWakeBy is null || deadline < _deadlinesWakeBy))
        {
            // Before the change is stored or remembered: a failure here leaves nothing applied, and the case retries.
            await SetDeadlinesReminder(deadline);
        }

        var change = new GridCaseChange(caseId, caseVersion, summary, grid.State.Version + 1, clock.GetUtcNow());
        Remember(change);
        bool logged;
        try
        {
            // An unarchived case changes the archived total, which only the index holds.
            logged = !unarchived && await _log!.TryAppend(change, _indexVersion);
        }
        catch
        {
            this.Forget();
            throw;
        }

        if (!logged)
        {
            await WriteWholeIndex();
        }

        _version = grid.State.Version;
        _watchers.Notify(watcher => watcher.CaseChanged(Code, _version, caseId));
        // Only the changed case is recounted.
        Recount(known.Summary is { } previous ? UnitTotals.Of([previous]) : null, UnitTotals.Of([summary]));
        await TellParent();
        await TryArchiveSettled();
    }

    /// <summary>A change applied to the in-memory index (which is always whole: index and log together).</summary>
    private void Remember(GridCaseChange change)
    {
        Cases[change.CaseId] = (change.CaseVersion, change.Summary);
        grid.State.Version = change.GridVersion;
        grid.State.ChangedAt[change.CaseId] = change.GridVersion;
        if (change.Summary.State == CaseState.Closed)
        {
            grid.State.ClosedAt[change.CaseId] = change.Time == default ? clock.GetUtcNow() : change.Time;
        }
        else
        {
            grid.State.ClosedAt.Remove(change.CaseId);
        }
    }

    /// <summary>The index with every change so far (and the archived total, which the log does not hold): the log is then behind it.</summary>
    private async Task WriteWholeIndex()
    {
        await grid.WriteOrForgetAsync(this);
        _indexVersion = grid.State.Version;
        if (earlierLog.RecordExists)
        {
            try
            {
                await earlierLog.ClearStateAsync(); // the index holds what it logged
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Grid {Grid} could not remove the log an earlier build kept; it is behind the index and is skipped.", Code);
            }
        }
    }

    /// <summary>
    /// Archives the cases closed longest ago, a chunk at a time: the chunk is written, then the grid's index
    /// without them. A failure before the index's write leaves them in the index (which wins) for the next
    /// change to archive again, into the same chunk number; it never fails the change that set it off.
    /// The figures do not change: what the archived cases add moves from the index to the archived total.
    /// </summary>
    private async Task TryArchiveSettled()
    {
        var now = clock.GetUtcNow();
        if (now < _noChunkDueBefore)
        {
            return;
        }

        try
        {
            while (grid.State.ClosedAt.Count >= archiving.ChunkSize)
            {
                var settled = grid.State.ClosedAt.Where(c => c.Value <= now - archiving.ArchiveAfter).Select(c => c.Key).ToList();
                if (settled.Count < archiving.ChunkSize)
                {
                    // Cases close later than those already closed, so no chunk is due before the chunk-th oldest closing has waited.
                    _noChunkDueBefore = grid.State.ClosedAt.Values.Order().ElementAt(archiving.ChunkSize - 1) + archiving.ArchiveAfter;
                    return;
                }

                var chunk = settled.Select(Held)
                    .OrderBy(c => c.Summary.CreateTime).ThenBy(c => c.CaseId, StringComparer.Ordinal).Take(archiving.ChunkSize).ToList();
                var number = ArchivedChunks.Count;
                await Chunk(number).Seal(chunk);
                foreach (var archived in chunk)
                {
                    Cases.Remove(archived.CaseId);
                    grid.State.ChangedAt.Remove(archived.CaseId);
                    grid.State.ClosedAt.Remove(archived.CaseId);
                }

                grid.State.ArchivedTotals = grid.State.ArchivedTotals.Plus(UnitTotals.Of(chunk.Select(c => c.Summary)));
                ArchivedChunks.Add(new SealedSpan(chunk[0].Summary.CreateTime, chunk.Max(c => c.Summary.CreateTime), chunk.Max(c => c.ChangedAt)));
                await WriteWholeIndex();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Grid {Grid} could not archive its closed cases; the next change tries again.", Code);
        }
    }

    /// <summary>Tells each case whose deadline has come, then sets the reminder for the next deadline (none when none is left).</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlinesReminder)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var told = false;
        foreach (var (caseId, _) in Cases.Where(c => c.Value.Summary.NextDeadline <= now))
        {
            // One-way: each case answers by telling this grid its next deadline, in a turn of its own.
            _ = grains.GetGrain<ICaseGrain>(caseId).DeadlineDue();
            told = true;
        }

        // The cases told answer after this turn: one that does not (it failed, or its node is gone) is told again a period later.
        var next = Cases.Values.Where(c => c.Summary.NextDeadline > now).Min(c => c.Summary.NextDeadline);
        var again = now + deadlines.CheckPeriod;
        var wake = told && (next is null || next > again) ? again : next;
        if (wake is { } at)
        {
            await SetDeadlinesReminder(at);
        }
        else
        {
            if (await this.GetReminder(DeadlinesReminder) is { } fired)
            {
                await this.UnregisterReminder(fired);
            }

            _deadlinesWakeBy = null;
        }
    }

    private async Task SetDeadlinesReminder(DateTimeOffset at)
    {
        var wait = at - clock.GetUtcNow();
        await this.RegisterOrUpdateReminder(DeadlinesReminder, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, deadlines.CheckPeriod);
        _deadlinesWakeBy = at;
    }

    public async Task ChildChanged(string childCode, long childVersion, UnitTotals totals)
    {
        var had = _children.TryGetValue(childCode, out var known);
        if (had && known.Version >= childVersion)
        {
            return;
        }

        _children[childCode] = (childVersion, totals);
        // No recount over every child.
        _version += childVersion - (had ? known.Version : 0);
        Recount(had ? known.Totals : null, totals);
        await TellParent();
    }

    /// <summary>The totals with <paramref name="old"/> figures out and <paramref name="new"/> ones in, folded as this unit's.</summary>
    private void Recount(UnitTotals? old, UnitTotals @new)
    {
        var plus = _totals.Plus(@new);
        _totals = (old is null ? plus : plus.Plus(old, sign: -1)).Within(Code);
    }

    public Task<(long Version, UnitTotals Totals)> Get() => Task.FromResult((_version, _totals));

    public async Task<GridChanges> Watch(IGridCasesWatcher watcher, long sinceVersion)
    {
        _watchers.Subscribe(watcher, watcher);
        var changed = grid.State.ChangedAt.Where(c => c.Value > sinceVersion).ToDictionary(c => c.Key, c => Held(c.Key), StringComparer.Ordinal);
        // A watcher away long enough may have missed changes to cases archived since: those chunks are read too.
        foreach (var n in Enumerable.Range(0, ArchivedChunks.Count).Where(n => ArchivedChunks[n].LastChange > sinceVersion))
        {
            foreach (var archived in (await Chunk(n).Get()).Where(c => c.ChangedAt > sinceVersion))
            {
                KeepLatest(changed, archived);
            }
        }

        return new GridChanges(grid.State.Version, [.. changed.Values.OrderBy(c => c.ChangedAt).Select(c => (c.CaseId, c.ChangedAt))]);
    }

    public Task Unwatch(IGridCasesWatcher watcher)
    {
        _watchers.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<CaseListing>> Find(CaseQuery query, int limit)
    {
        var found = Cases.Where(c => Matches(c.Key, c.Value.Summary, query)).ToDictionary(c => c.Key, c => Held(c.Key), StringComparer.Ordinal);
        // Only closed cases are archived. Chunks newest first, each read only while it may hold a case of this
        // page: one created after the page's last case so far (or any, while the page is short).
        IEnumerable<int> chunks = query.State is null or CaseState.Closed
            ? Enumerable.Range(0, ArchivedChunks.Count).Where(n => MayHold(ArchivedChunks[n], query)).OrderByDescending(n => ArchivedChunks[n].Newest)
            : [];
        foreach (var n in chunks)
        {
            var page = Newest(found.Values, limit);
            if (page.Count >= limit && ArchivedChunks[n].Newest < page[^1].Summary.CreateTime)
            {
                break;
            }

            foreach (var archived in (await Chunk(n).Get()).Where(c => Matches(c.CaseId, c.Summary, query)))
            {
                KeepLatest(found, archived);
            }
        }

        return [.. Newest(found.Values, limit).Select(c => new CaseListing(c.CaseId, c.Summary.CreateTime))];
    }

    /// <summary>A case the index holds, in the archive's shape (a case from before change versions were kept has 0).</summary>
    private ArchivedCase Held(string caseId) => new(caseId, Cases[caseId].Version, Cases[caseId].Summary, grid.State.ChangedAt.GetValueOrDefault(caseId));

    /// <summary>Adds an archived copy unless a later one is known: the index's copy wins; of two archived copies (archived, changed, archived again), the later.</summary>
    private void KeepLatest(Dictionary<string, ArchivedCase> found, ArchivedCase archived)
    {
        if (!Cases.ContainsKey(archived.CaseId) && (!found.TryGetValue(archived.CaseId, out var other) || other.CaseVersion < archived.CaseVersion))
        {
            found[archived.CaseId] = archived;
        }
    }

    private static List<ArchivedCase> Newest(IEnumerable<ArchivedCase> cases, int count) =>
        [.. cases.OrderByDescending(c => c.Summary.CreateTime).ThenByDescending(c => c.CaseId, StringComparer.Ordinal).Take(count)];

    private static bool MayHold(SealedSpan span, CaseQuery query) =>
        (query.After is null || span.Oldest <= query.After.CreateTime)
        && (query.SubmittedAfter is null || span.Newest >= query.SubmittedAfter)
        && (query.SubmittedBefore is null || span.Oldest < query.SubmittedBefore);

    private static bool Matches(string caseId, CaseSummary summary, CaseQuery query) =>
        (query.State is null || summary.State == query.State)
        && (query.Category is null || summary.Category == query.Category)
        && (!query.OverdueOnly || summary.Overdue)
        && (query.SubmittedAfter is null || summary.CreateTime >= query.SubmittedAfter)
        && (query.SubmittedBefore is null || summary.CreateTime < query.SubmittedBefore)
        && (query.After is null || CaseListings.IsOlder(summary.CreateTime, caseId, query.After));

    /// <summary>
    /// The case as it was archived last (null when never archived): read from the chunks whose creation times
    /// span its own, usually one or two, and only for a change to a case the index does not hold (rare).
    /// </summary>
    private async Task<ArchivedCase?> ArchivedCopy(string caseId, DateTimeOffset createTime)
    {
        ArchivedCase? latest = null;
        foreach (var n in Enumerable.Range(0, ArchivedChunks.Count).Where(n => ArchivedChunks[n].Oldest <= createTime && createTime <= ArchivedChunks[n].Newest))
        {
            foreach (var archived in (await Chunk(n).Get()).Where(c => c.CaseId == caseId && c.CaseVersion > (latest?.CaseVersion ?? 0)))
            {
                latest = archived;
            }
        }

        return latest;
    }

    private IGridCasesChunkGrain Chunk(int number) => grains.GetGrain<IGridCasesChunkGrain>($"{Code}/{number}");

    private Task TellParent() =>
        GridUnitCode.IsCity(Code) ? Task.CompletedTask : grains.GetGrain<IUnitCasesGrain>(GridUnitCode.ParentOf(Code)).ChildChanged(Code, _version, _totals);
}

[GenerateSerializer]
public sealed class GridCasesChunkState
{
    [Id(0)] public List<ArchivedCase> Cases { get; set; } = [];
}

[CollectionAgeLimit(Minutes = 2)] // read when a listing, a catch-up or a late change reaches back this far, then not again for long
[GrainType("gridcaseschunk")]
public sealed class GridCasesChunkGrain([PersistentState("grid-cases-chunk")] IPersistentState<GridCasesChunkState> chunk) : Grain, IGridCasesChunkGrain
{
    public async Task Seal(IReadOnlyList<ArchivedCase> cases)
    {
        chunk.State.Cases = [.. cases];
        await chunk.WriteOrForgetAsync(this);
    }

    public Task<IReadOnlyList<ArchivedCase>> Get() => Task.FromResult<IReadOnlyList<ArchivedCase>>(chunk.State.Cases);
}

public static class CaseListings
{
    /// <summary>Newest-first order: is (time, id) after <paramref name="cursor"/> in that order?</summary>
    public static bool IsOlder(DateTimeOffset createTime, string caseId, CaseCursor cursor) =>
        createTime < cursor.CreateTime || (createTime == cursor.CreateTime && string.CompareOrdinal(caseId, cursor.CaseId) < 0);
}

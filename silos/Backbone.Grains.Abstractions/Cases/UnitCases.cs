namespace Backbone.Grains.Abstractions.Cases;

/// <summary>
/// What its grid keeps of a case: enough to count it in every unit above, to find it in a listing, and to wake it
/// at <paramref name="NextDeadline"/> (the next deadline that can still pass; null when none is pending, and in
/// summaries from before grids kept deadlines). <paramref name="Merged"/>: a duplicate merged into another case
/// (false in summaries saved before it was kept).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CaseSummary(
    [property: Id(0)] CaseState State,
    [property: Id(1)] bool Overdue,
    [property: Id(2)] bool EverAccepted,
    [property: Id(3)] bool EverReplied,
    [property: Id(4)] CaseRating? Rating,
    [property: Id(5)] string Category,
    [property: Id(6)] DateTimeOffset CreateTime,
    [property: Id(7)] IReadOnlyList<string> LateUnits,
    [property: Id(8)] DateTimeOffset? NextDeadline = null,
    [property: Id(9)] bool Merged = false);

/// <summary>Which cases a listing wants; null criteria match everything. Newest first, older than the cursor.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseQuery(
    [property: Id(0)] CaseState? State,
    [property: Id(1)] string? Category,
    [property: Id(2)] bool OverdueOnly,
    [property: Id(3)] DateTimeOffset? SubmittedAfter,
    [property: Id(4)] DateTimeOffset? SubmittedBefore,
    [property: Id(5)] CaseCursor? After);

/// <summary>A position in a newest-first listing: cases created before it (ties broken by id).</summary>
[GenerateSerializer, Immutable]
public sealed record CaseCursor([property: Id(0)] DateTimeOffset CreateTime, [property: Id(1)] string CaseId);

[GenerateSerializer, Immutable]
public sealed record CaseListing([property: Id(0)] string CaseId, [property: Id(1)] DateTimeOffset CreateTime);

/// <summary>
/// Case counts over a unit's subtree (by where the cases happened). How often a unit let one of these cases climb
/// past it is kept by unit in <paramref name="LateByUnit"/> only for units outside the subtree (the ancestors a
/// case climbed to, usually); those inside are one count, <paramref name="LateInside"/>, once the unit's grain
/// folds them in (<see cref="Within"/>). Kept by unit for every late unit below, the city's totals held an entry
/// for every unit of the city that was ever late, copied twice on every case change (docs/benchmarks.md).
/// A duplicate merged into another case is <paramref name="Received"/> and in <paramref name="ByState"/> (closed),
/// and counted in <paramref name="Merged"/>, but not in what the rates are made of (<paramref name="Accepted"/>,
/// <paramref name="Replied"/>, <paramref name="Rated"/>, <paramref name="Satisfied"/>): its citizen's matter is
/// handled, and rated, as the primary case, which counts once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UnitTotals(
    [property: Id(0)] int Received,
    [property: Id(1)] IReadOnlyDictionary<CaseState, int> ByState,
    [property: Id(2)] int Overdue,
    [property: Id(3)] int Accepted,
    [property: Id(4)] int Replied,
    [property: Id(5)] int Rated,
    [property: Id(6)] int Satisfied,
    [property: Id(7)] IReadOnlyDictionary<string, int> LateByUnit,
    [property: Id(8)] int LateInside = 0,
    [property: Id(9)] int Merged = 0)
{
    public static readonly UnitTotals Empty = new(0, new Dictionary<CaseState, int>(), 0, 0, 0, 0, 0, new Dictionary<string, int>());

    /// <summary>How often units of <paramref name="unit"/>'s subtree let a case climb past them: of the totals of that unit.</summary>
    public int LateWithin(string unit) => Within(unit).LateInside;

    /// <summary>These totals as <paramref name="unit"/>'s: the late counts of units in its subtree folded into <see cref="LateInside"/>.</summary>
    public UnitTotals Within(string unit)
    {
        bool Inside(KeyValuePair<string, int> late) => late.Key.StartsWith(unit, StringComparison.Ordinal);
        return LateByUnit.Any(Inside)
            ? this with { LateByUnit = LateByUnit.Where(late => !Inside(late)).ToDictionary(), LateInside = LateInside + LateByUnit.Where(Inside).Sum(late => late.Value) }
            : this;
    }

    public static UnitTotals Of(IEnumerable<CaseSummary> cases)
    {
        var all = cases.ToList();
        var counted = all.Where(c => !c.Merged).ToList(); // what the rates are made of
        return new UnitTotals(
            all.Count,
            all.GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Count()),
            all.Count(c => c.Overdue),
            counted.Count(c => c.EverAccepted),
            counted.Count(c => c.EverReplied),
            counted.Count(c => c.Rating is not null),
            counted.Count(c => c.Rating is CaseRating.Satisfied or CaseRating.BasicallySatisfied),
            all.SelectMany(c => c.LateUnits).GroupBy(u => u).ToDictionary(g => g.Key, g => g.Count()),
            Merged: all.Count - counted.Count);
    }

    public static UnitTotals Sum(IEnumerable<UnitTotals> parts) => parts.Aggregate(Empty, (total, part) => total.Plus(part));

    /// <summary>These totals with <paramref name="other"/> added (<paramref name="sign"/> 1) or taken away (-1); empty counts are dropped.</summary>
    public UnitTotals Plus(UnitTotals other, int sign = 1) => new(
        Received + (sign * other.Received),
        Combine(ByState, other.ByState, sign),
        Overdue + (sign * other.Overdue),
        Accepted + (sign * other.Accepted),
        Replied + (sign * other.Replied),
        Rated + (sign * other.Rated),
        Satisfied + (sign * other.Satisfied),
        Combine(LateByUnit, other.LateByUnit, sign),
        LateInside + (sign * other.LateInside),
        Merged + (sign * other.Merged));

    // Runs at every level for every case change: plain loops, no LINQ (it was a tenth of all allocation under appeal load).
    private static Dictionary<TKey, int> Combine<TKey>(IReadOnlyDictionary<TKey, int> left, IReadOnlyDictionary<TKey, int> right, int sign)
        where TKey : notnull
    {
        var sum = new Dictionary<TKey, int>(left.Count + right.Count);
        foreach (var (key, value) in left)
        {
            if (value != 0)
            {
                sum[key] = value;
            }
        }

        foreach (var (key, value) in right)
        {
            var combined = sum.GetValueOrDefault(key) + (sign * value);
            if (combined == 0)
            {
                sum.Remove(key);
            }
            else
            {
                sum[key] = combined;
            }
        }

        return sum;
    }
}

/// <summary>
/// A unit's case statistics, keyed by unit code. A grid keeps each case's latest summary (saved), which
/// also makes it the index listings read and the keeper of its cases' deadlines (one reminder per grid);
/// every other unit keeps its children's latest totals in memory, rebuilt from them on activation.
/// Both take only newer versions, so repeated or reordered deliveries change nothing.
/// </summary>
public interface IUnitCasesGrain : IGrainWithStringKey
{
    /// <summary>
    /// Grids only: the case's summary as of its version <paramref name="caseVersion"/>; the same version again
    /// only when it brings a different deadline (a case whose own reminder, set by an earlier build, hands over).
    /// </summary>
    Task Apply(string caseId, long caseVersion, CaseSummary summary);

    /// <summary>
    /// A child unit's totals as of its version <paramref name="childVersion"/>. One-way: the child goes on
    /// at once, so a case's change waits for its grid and no further; the units above catch up moments
    /// later. Awaited, every change of the city's cases queued through each level's one turn up to the
    /// city (an appeal's p99 at 800 a second, docs/benchmarks.md).
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task ChildChanged(string childCode, long childVersion, UnitTotals totals);

    /// <summary>
    /// Interleaves with a running Apply or ChildChanged (it only reads), so a parent activating while its
    /// child is pushing to it can still ask that child.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<(long Version, UnitTotals Totals)> Get();

    /// <summary>
    /// Grids only: sends every later change of the grid's cases to <paramref name="watcher"/>, and returns the
    /// grid's version and the cases changed since <paramref name="sinceVersion"/> (with the grid version of
    /// their latest change), oldest change first. A subscription lapses unless renewed by calling this again.
    /// </summary>
    Task<GridChanges> Watch(IGridCasesWatcher watcher, long sinceVersion);

    Task Unwatch(IGridCasesWatcher watcher);

    /// <summary>Grids only: up to <paramref name="limit"/> of the grid's cases matching the query, newest first.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<CaseListing>> Find(CaseQuery query, int limit);
}

/// <summary>A grid's version and the cases that changed after some earlier version of it.</summary>
[GenerateSerializer, Immutable]
public sealed record GridChanges(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<(string CaseId, long ChangedAt)> Changed);

/// <summary>Receives the changes of a grid's cases (a gRPC WatchUnitCases call holds one per grid of its subtree).</summary>
public interface IGridCasesWatcher : IWatcher
{
    void CaseChanged(string gridCode, long gridVersion, string caseId);
}

/// <summary>
/// A closed case as its grid archived it: the summary it had, its version, and the grid version of its last
/// change (what watchers resume from).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ArchivedCase(
    [property: Id(0)] string CaseId,
    [property: Id(1)] long CaseVersion,
    [property: Id(2)] CaseSummary Summary,
    [property: Id(3)] long ChangedAt);

/// <summary>
/// A chunk of a grid's archived cases (keyed <c>grid/number</c>): written once, read when a listing, a
/// watcher's catch-up or a late change reaches back that far.
/// </summary>
public interface IGridCasesChunkGrain : IGrainWithStringKey
{
    Task Seal(IReadOnlyList<ArchivedCase> cases);

    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<ArchivedCase>> Get();
}

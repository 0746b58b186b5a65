namespace Backbone.Grains.Abstractions.Cases;

/// <summary>What one case adds to the statistics of the units above its grid.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseContribution(
    [property: Id(0)] CaseState State,
    [property: Id(1)] bool Overdue,
    [property: Id(2)] bool EverAccepted,
    [property: Id(3)] bool EverReplied,
    [property: Id(4)] CaseRating? Rating);

/// <summary>Case counts over a unit's subtree (by where the cases happened).</summary>
[GenerateSerializer, Immutable]
public sealed record UnitTotals(
    [property: Id(0)] int Received,
    [property: Id(1)] IReadOnlyDictionary<CaseState, int> ByState,
    [property: Id(2)] int Overdue,
    [property: Id(3)] int Accepted,
    [property: Id(4)] int Replied,
    [property: Id(5)] int Rated,
    [property: Id(6)] int Satisfied)
{
    public static readonly UnitTotals Empty = new(0, new Dictionary<CaseState, int>(), 0, 0, 0, 0, 0);

    public static UnitTotals Of(IEnumerable<CaseContribution> cases)
    {
        var all = cases.ToList();
        return new UnitTotals(
            all.Count,
            all.GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Count()),
            all.Count(c => c.Overdue),
            all.Count(c => c.EverAccepted),
            all.Count(c => c.EverReplied),
            all.Count(c => c.Rating is not null),
            all.Count(c => c.Rating is CaseRating.Satisfied or CaseRating.BasicallySatisfied));
    }

    public static UnitTotals Sum(IEnumerable<UnitTotals> parts)
    {
        var all = parts.ToList();
        return new UnitTotals(
            all.Sum(t => t.Received),
            all.SelectMany(t => t.ByState).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)),
            all.Sum(t => t.Overdue),
            all.Sum(t => t.Accepted),
            all.Sum(t => t.Replied),
            all.Sum(t => t.Rated),
            all.Sum(t => t.Satisfied));
    }
}

/// <summary>
/// A unit's case statistics, keyed by unit code. A grid keeps each case's latest contribution (saved);
/// every other unit keeps its children's latest totals in memory, rebuilt from them on activation.
/// Both take only newer versions, so repeated or reordered deliveries change nothing.
/// </summary>
public interface IUnitStatsGrain : IGrainWithStringKey
{
    /// <summary>Grids only: the case's contribution as of its version <paramref name="caseVersion"/>.</summary>
    Task Apply(string caseId, long caseVersion, CaseContribution contribution);

    /// <summary>A child unit's totals as of its version <paramref name="childVersion"/>.</summary>
    Task ChildChanged(string childCode, long childVersion, UnitTotals totals);

    /// <summary>
    /// Interleaves with a running Apply or ChildChanged (it only reads), so a parent activating while its
    /// child is pushing to it can still ask that child.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<(long Version, UnitTotals Totals)> Get();
}

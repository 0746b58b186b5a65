using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class GridStatsState
{
    /// <summary>Each case of the grid: its latest version and contribution.</summary>
    [Id(0)] public Dictionary<string, (long Version, CaseContribution Contribution)> Cases { get; set; } = [];
    [Id(1)] public long Version { get; set; }
}

/// <summary>
/// Statistics are kept as cases move, never by scanning cases: a case tells its grid, the grid tells its
/// community, and so up to the city. Only grids store anything; a parent asks its children once when it
/// activates and then follows their pushes. A parent's version is the sum of its children's, so it only
/// grows, also across reactivations.
/// </summary>
public sealed class UnitStatsGrain(
    [PersistentState("grid-stats")] IPersistentState<GridStatsState> grid,
    GridSeed seed,
    IGrainFactory grains) : Grain, IUnitStatsGrain
{
    private readonly Dictionary<string, (long Version, UnitTotals Totals)> _children = new(StringComparer.Ordinal);
    private long _version;
    private UnitTotals _totals = UnitTotals.Empty;

    private string Code => this.GetPrimaryKeyString();

    private bool IsGrid => GridUnitCode.LevelOf(Code) == UnitLevel.Grid;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (IsGrid)
        {
            _version = grid.State.Version;
            _totals = UnitTotals.Of(grid.State.Cases.Values.Select(c => c.Contribution));
            return;
        }

        foreach (var child in seed.ChildrenOf(Code))
        {
            _children[child] = await grains.GetGrain<IUnitStatsGrain>(child).Get();
        }

        _version = _children.Values.Sum(c => c.Version);
        _totals = UnitTotals.Sum(_children.Values.Select(c => c.Totals));
    }

    public async Task Apply(string caseId, long caseVersion, CaseContribution contribution)
    {
        if (!IsGrid || (grid.State.Cases.TryGetValue(caseId, out var known) && known.Version >= caseVersion))
        {
            return;
        }

        grid.State.Cases[caseId] = (caseVersion, contribution);
        grid.State.Version++;
        await grid.WriteOrForgetAsync(this);
        _version = grid.State.Version;
        _totals = UnitTotals.Of(grid.State.Cases.Values.Select(c => c.Contribution));
        await TellParent();
    }

    public async Task ChildChanged(string childCode, long childVersion, UnitTotals totals)
    {
        if (_children.TryGetValue(childCode, out var known) && known.Version >= childVersion)
        {
            return;
        }

        _children[childCode] = (childVersion, totals);
        _version = _children.Values.Sum(c => c.Version);
        _totals = UnitTotals.Sum(_children.Values.Select(c => c.Totals));
        await TellParent();
    }

    public Task<(long Version, UnitTotals Totals)> Get() => Task.FromResult((_version, _totals));

    private Task TellParent() =>
        GridUnitCode.IsCity(Code) ? Task.CompletedTask : grains.GetGrain<IUnitStatsGrain>(GridUnitCode.ParentOf(Code)).ChildChanged(Code, _version, _totals);
}

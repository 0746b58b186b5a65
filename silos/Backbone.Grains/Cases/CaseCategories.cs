using System.Collections.Frozen;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Cases;

/// <summary>
/// One row of the dispatch rule table: an appeal category, the level of unit that owns it, how long
/// that unit has to sign for a case (else it climbs to the parent unit), to resolve it (else it is
/// flagged overdue), and how long the citizen has to rate a reply (else the case closes unrated).
/// </summary>
public sealed record CaseCategory(
    string Code, string Name, UnitLevel Level, TimeSpan AcceptWithin, TimeSpan ResolveWithin, TimeSpan RateWithin,
    CaseKind Kind = CaseKind.Appeal);

/// <summary>The configured categories. A category owned at city level waits for the dispatch centre.</summary>
public sealed class CaseCategories(IEnumerable<CaseCategory> categories)
{
    private readonly FrozenDictionary<string, CaseCategory> _byCode = categories.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

    public IReadOnlyCollection<CaseCategory> All => _byCode.Values;

    public CaseCategory? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>The categories (appeals) or service items (applications) of one kind.</summary>
    public IEnumerable<CaseCategory> OfKind(CaseKind kind) => _byCode.Values.Where(c => c.Kind == kind).OrderBy(c => c.Code, StringComparer.Ordinal);

    /// <summary>The unit that owns a case of <paramref name="category"/> located in <paramref name="gridCode"/>; empty for the dispatch centre.</summary>
    public static string Route(CaseCategory category, string gridCode) =>
        category.Level == UnitLevel.City ? string.Empty : gridCode[..GridUnitCode.LevelLengths[(int)category.Level - 1]];
}

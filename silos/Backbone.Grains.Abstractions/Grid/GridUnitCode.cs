namespace Backbone.Grains.Abstractions.Grid;

/// <summary>
/// Codes of the city's management units, one level per code length, each code starting with its
/// parent's: city 4 digits (5101), district 6 (510104), street 9 (510104001), community 12
/// (510104001001) and grid 15 (510104001001001). The first 12 digits follow the national statistical
/// division codes, so a unit's subtree is every code that starts with it.
/// </summary>
public static class GridUnitCode
{
    /// <summary>Code lengths from the city down to the grid.</summary>
    public static readonly IReadOnlyList<int> LevelLengths = [4, 6, 9, 12, 15];

    public static bool IsValid(string? code) =>
        code is not null && LevelLengths.Contains(code.Length) && code.All(char.IsAsciiDigit);

    /// <summary>The level of a valid code.</summary>
    public static UnitLevel LevelOf(string code) => (UnitLevel)(LevelLengths.ToList().IndexOf(code.Length) + 1);

    /// <summary>The parent's code of a valid code; empty for the city.</summary>
    public static string ParentOf(string code) => IsCity(code) ? string.Empty : code[..LevelLengths[(int)LevelOf(code) - 2]];

    /// <summary>The city level: the root of every subtree.</summary>
    public static bool IsCity(string code) => code.Length == LevelLengths[0];

    /// <summary>
    /// Whether <paramref name="code"/> lies in the subtree of <paramref name="unit"/> (the unit itself
    /// included). An empty code (not yet assigned to a unit) lies only in the city's subtree.
    /// </summary>
    public static bool IsWithin(string code, string unit) =>
        IsValid(unit) && (code.Length == 0 ? IsCity(unit) : IsValid(code) && code.StartsWith(unit, StringComparison.Ordinal));

    public const string FormatDescription = "must be a unit code of 4, 6, 9, 12 or 15 digits (city, district, street, community, grid)";
}

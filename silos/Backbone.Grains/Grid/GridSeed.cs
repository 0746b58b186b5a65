using System.Collections.Frozen;
using System.Text.Json;
using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Grid;

public readonly record struct GeoBounds(double South, double North, double West, double East)
{
    public bool Contains(GeoPoint point) =>
        point.Latitude >= South && point.Latitude <= North && point.Longitude >= West && point.Longitude <= East;
}

/// <summary>One unit as the seed file describes it.</summary>
public sealed record SeedUnit(string Code, string Name, string ParentCode, string DutyPhone, IReadOnlyList<GeoPoint> Boundary)
{
    public UnitLevel Level => GridUnitCode.LevelOf(Code);
}

/// <summary>
/// The grid tree loaded from the seed file: the units, each one's children, and an index that finds
/// the grid covering a location. Immutable once loaded; every silo loads the same file.
/// </summary>
public sealed class GridSeed
{
    private readonly FrozenDictionary<string, SeedUnit> _units;
    private readonly FrozenDictionary<string, string[]> _children;
    private readonly GridLocator _locator;

    private GridSeed(IReadOnlyList<SeedUnit> units)
    {
        _units = units.ToFrozenDictionary(u => u.Code, StringComparer.Ordinal);
        _children = units.Where(u => u.ParentCode.Length > 0)
            .GroupBy(u => u.ParentCode)
            .ToFrozenDictionary(g => g.Key, g => g.Select(u => u.Code).Order(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        var grids = units.Where(u => u.Level == UnitLevel.Grid).ToList();
        _locator = new GridLocator(grids);
        var corners = grids.SelectMany(g => g.Boundary).ToList();
        Bounds = corners.Count == 0
            ? new GeoBounds(0, 0, 0, 0)
            : new GeoBounds(corners.Min(p => p.Latitude), corners.Max(p => p.Latitude), corners.Min(p => p.Longitude), corners.Max(p => p.Longitude));
    }

    /// <summary>The box around every grid: the city, for checking that a point is in it at all.</summary>
    public GeoBounds Bounds { get; }

    public int Count => _units.Count;

    /// <summary>The root of the tree (the seed has exactly one city).</summary>
    public string CityCode => _units.Values.First(u => u.Level == UnitLevel.City).Code;

    public SeedUnit? Find(string code) => _units.GetValueOrDefault(code);

    public IReadOnlyList<string> ChildrenOf(string code) => _children.GetValueOrDefault(code) ?? [];

    /// <summary>Every unit below <paramref name="code"/> down to the level <paramref name="deepest"/>, each before its children.</summary>
    public IEnumerable<string> Descendants(string code, UnitLevel deepest = UnitLevel.Grid)
    {
        foreach (var child in ChildrenOf(code).Where(c => GridUnitCode.LevelOf(c) <= deepest))
        {
            yield return child;
            foreach (var below in Descendants(child, deepest))
            {
                yield return below;
            }
        }
    }

    /// <summary>The grid covering the point, or null outside every grid.</summary>
    public SeedUnit? Locate(GeoPoint point) => _locator.Locate(point);

    public static GridSeed Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize<SeedFile>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidOperationException($"Grid seed {path} is empty.");
        var units = file.Units.Select(u => new SeedUnit(
            u.Code ?? string.Empty, u.Name ?? string.Empty, u.Parent ?? string.Empty, u.DutyPhone ?? string.Empty,
            (u.Boundary ?? []).Select(p => new GeoPoint(p[1], p[0])).ToList())).ToList();
        var errors = Validate(units);
        return errors.Count == 0
            ? new GridSeed(units)
            : throw new InvalidOperationException($"Grid seed {path} is invalid: {string.Join("; ", errors.Take(10))}");
    }

    private static List<string> Validate(List<SeedUnit> units)
    {
        var errors = new List<string>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            if (!GridUnitCode.IsValid(unit.Code))
            {
                errors.Add($"'{unit.Code}' {GridUnitCode.FormatDescription}");
                continue;
            }

            if (!codes.Add(unit.Code))
            {
                errors.Add($"{unit.Code} appears twice");
            }

            if (unit.Name.Length == 0)
            {
                errors.Add($"{unit.Code} has no name");
            }

            var expectedParent = GridUnitCode.ParentOf(unit.Code);
            if (unit.ParentCode != expectedParent)
            {
                errors.Add($"{unit.Code} must have parent '{expectedParent}', not '{unit.ParentCode}'");
            }

            if ((unit.Level == UnitLevel.Grid) != (unit.Boundary.Count >= 3))
            {
                errors.Add($"{unit.Code}: grids, and only grids, have a boundary of at least 3 corners");
            }
        }

        errors.AddRange(units.Where(u => u.ParentCode.Length > 0 && !codes.Contains(u.ParentCode)).Select(u => $"{u.Code}: parent {u.ParentCode} is missing"));
        if (units.Count(u => u.Level == UnitLevel.City) != 1)
        {
            errors.Add("the seed must have exactly one city");
        }

        return errors;
    }

    private sealed class SeedFile
    {
        public List<SeedFileUnit> Units { get; set; } = [];
    }

    private sealed class SeedFileUnit
    {
        public string? Code { get; set; }

        public string? Name { get; set; }

        public string? Parent { get; set; }

        public string? DutyPhone { get; set; }

        /// <summary>Corners as [longitude, latitude], GeoJSON order.</summary>
        public List<double[]>? Boundary { get; set; }
    }
}

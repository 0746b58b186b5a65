using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Grid;

/// <summary>
/// Finds the grid polygon covering a point. Grids are bucketed by the cells of a coarse lattice their
/// bounding boxes touch, so a lookup tests only the few polygons of one cell, whatever the city's size.
/// </summary>
internal sealed class GridLocator
{
    private const double CellDegrees = 0.01; // about 1 km

    private readonly Dictionary<(int, int), List<SeedUnit>> _cells = [];

    public GridLocator(IReadOnlyList<SeedUnit> grids)
    {
        foreach (var grid in grids)
        {
            var (minLat, maxLat) = (grid.Boundary.Min(p => p.Latitude), grid.Boundary.Max(p => p.Latitude));
            var (minLng, maxLng) = (grid.Boundary.Min(p => p.Longitude), grid.Boundary.Max(p => p.Longitude));
            for (var x = Cell(minLng); x <= Cell(maxLng); x++)
            {
                for (var y = Cell(minLat); y <= Cell(maxLat); y++)
                {
                    if (!_cells.TryGetValue((x, y), out var list))
                    {
                        _cells[(x, y)] = list = [];
                    }

                    list.Add(grid);
                }
            }
        }
    }

    public SeedUnit? Locate(GeoPoint point) =>
        _cells.TryGetValue((Cell(point.Longitude), Cell(point.Latitude)), out var candidates)
            ? candidates.FirstOrDefault(g => Contains(g.Boundary, point))
            : null;

    private static int Cell(double degrees) => (int)Math.Floor(degrees / CellDegrees);

    /// <summary>
    /// Crossing-number test. A point on an edge shared by two grids counts for exactly one of them
    /// (edges are half-open), so every point of a tiled city has exactly one grid.
    /// </summary>
    internal static bool Contains(IReadOnlyList<GeoPoint> polygon, GeoPoint point)
    {
        var inside = false;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var (a, b) = (polygon[i], polygon[j]);
            if ((a.Latitude > point.Latitude) != (b.Latitude > point.Latitude)
                && point.Longitude < (b.Longitude - a.Longitude) * (point.Latitude - a.Latitude) / (b.Latitude - a.Latitude) + a.Longitude)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}

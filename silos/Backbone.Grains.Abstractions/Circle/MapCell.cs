using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Abstractions.Circle;

/// <summary>
/// The map's cells: a lattice of 0.01° × 0.01° (about 1.1 km north-south and 0.96 km east-west at
/// Chengdu's latitude). A cell is the half-open square [row·0.01°, (row+1)·0.01°) × [col·0.01°, …),
/// so every point lies in exactly one. A 15-minute walk (about 0.9 km) reads 2×2 to 3×3 cells.
/// </summary>
public readonly record struct MapCell(int Row, int Column)
{
    public const double SizeDegrees = 0.01;

    public string Key => $"{Row}:{Column}";

    public static MapCell Of(GeoPoint point) => new(Index(point.Latitude), Index(point.Longitude));

    public static MapCell Parse(string key)
    {
        var separator = key.IndexOf(':', StringComparison.Ordinal);
        return new MapCell(
            int.Parse(key.AsSpan(0, separator), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(key.AsSpan(separator + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Every cell the box touches (the box of a circle: <see cref="Geo.BoundingBox"/>).</summary>
    public static IEnumerable<MapCell> Covering((double South, double North, double West, double East) box)
    {
        var (south, north, west, east) = box;
        for (var row = Index(south); row <= Index(north); row++)
        {
            for (var column = Index(west); column <= Index(east); column++)
            {
                yield return new MapCell(row, column);
            }
        }
    }

    private static int Index(double degrees) => (int)Math.Floor(degrees / SizeDegrees);
}

/// <summary>Distances on the sphere (WGS-84 mean radius; GCJ-02 offsets do not change distances that matter here).</summary>
public static class Geo
{
    public const double EarthRadiusMeters = 6_371_008.8;

    public static double DistanceMeters(GeoPoint a, GeoPoint b)
    {
        var (φ1, φ2) = (Radians(a.Latitude), Radians(b.Latitude));
        var (dφ, dλ) = (φ2 - φ1, Radians(b.Longitude - a.Longitude));
        var h = (Math.Sin(dφ / 2) * Math.Sin(dφ / 2)) + (Math.Cos(φ1) * Math.Cos(φ2) * Math.Sin(dλ / 2) * Math.Sin(dλ / 2));
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>
    /// The smallest latitude/longitude box holding every point within <paramref name="radiusMeters"/> of
    /// <paramref name="centre"/> (the spherical cap's exact extent), widened by a millimetre for rounding.
    /// </summary>
    public static (double South, double North, double West, double East) BoundingBox(GeoPoint centre, double radiusMeters)
    {
        var angular = (radiusMeters + 0.001) / EarthRadiusMeters;
        var φ = Radians(centre.Latitude);
        var dLatitude = Degrees(angular);
        var sinRatio = Math.Sin(angular) / Math.Cos(φ);
        var dLongitude = sinRatio >= 1 ? 180 : Degrees(Math.Asin(sinRatio));
        return (centre.Latitude - dLatitude, centre.Latitude + dLatitude, centre.Longitude - dLongitude, centre.Longitude + dLongitude);
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Degrees(double radians) => radians * 180 / Math.PI;
}

using System.Text.Json;
using Backbone.V1;

namespace Backbone.Tests.Circle;

/// <summary>The sample city's facilities as the seed file lists them, and an independent distance formula to check searches against.</summary>
public static class CircleTestData
{
    public const double WalkMetersPerMinute = 80, BikeMetersPerMinute = 250, DetourFactor = 1.3;

    // The city's box (seeds/grid-5101.json) and the community tools/make-facility-seed.py leaves without sports.
    public const double South = 30.58, North = 30.74, West = 103.98, East = 104.18;
    public const string GapCommunity = "510104002002";
    public static readonly LatLng GapCommunityCentre = new() { Latitude = 30.66, Longitude = 104.08 };

    public sealed record SeedFacility(string Id, string Category, double Lat, double Lng);

    public static IReadOnlyList<SeedFacility> Seeded { get; } = Load();

    private static List<SeedFacility> Load()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "facilities-5101.json")));
        return [.. file.RootElement.GetProperty("facilities").EnumerateArray().Select(f => new SeedFacility(
            f.GetProperty("id").GetString()!, f.GetProperty("category").GetString()!, f.GetProperty("lat").GetDouble(), f.GetProperty("lng").GetDouble()))];
    }

    /// <summary>Great-circle distance by the Vincenty formula on a sphere (the service uses haversine).</summary>
    public static double Meters(double lat1, double lng1, double lat2, double lng2)
    {
        const double R = 6_371_008.8;
        var (φ1, φ2, dλ) = (lat1 * Math.PI / 180, lat2 * Math.PI / 180, (lng2 - lng1) * Math.PI / 180);
        var y = Math.Sqrt(Math.Pow(Math.Cos(φ2) * Math.Sin(dλ), 2) + Math.Pow((Math.Cos(φ1) * Math.Sin(φ2)) - (Math.Sin(φ1) * Math.Cos(φ2) * Math.Cos(dλ)), 2));
        var x = (Math.Sin(φ1) * Math.Sin(φ2)) + (Math.Cos(φ1) * Math.Cos(φ2) * Math.Cos(dλ));
        return R * Math.Atan2(y, x);
    }

    public static double RadiusMeters(TravelMode mode, int minutes) =>
        minutes * (mode == TravelMode.Bike ? BikeMetersPerMinute : WalkMetersPerMinute) / DetourFactor;
}

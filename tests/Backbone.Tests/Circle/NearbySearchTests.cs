using Backbone.Tests.Support;
using Backbone.V1;

namespace Backbone.Tests.Circle;

/// <summary>FindNearby against a brute-force scan of every seeded facility, on a node of its own (no test changes its facilities).</summary>
public sealed class NearbySearchTests
{
    [Fact]
    public async Task FindNearby_finds_exactly_what_a_scan_of_every_facility_finds_also_on_cell_edges_and_corners()
    {
        await using var node = await BackboneNode.StartAsync();
        var circle = new ServiceCircleService.ServiceCircleServiceClient(node.Channel.WithToken(await node.Identity.PartnerTokenAsync()));
        var random = new Random(15);
        var points = new List<(double Lat, double Lng)>();
        for (var i = 0; i < 120; i++)
        {
            points.Add((Between(random, CircleTestData.South, CircleTestData.North), Between(random, CircleTestData.West, CircleTestData.East)));
        }

        for (var i = 0; i < 40; i++) // on cell corners (multiples of 0.01°) and on cell edges
        {
            var (row, column) = (random.Next(3059, 3073), random.Next(10399, 10417));
            points.Add((row / 100.0, column / 100.0));
            points.Add((row / 100.0, Between(random, CircleTestData.West, CircleTestData.East)));
            points.Add((Between(random, CircleTestData.South, CircleTestData.North), column / 100.0));
        }

        points.AddRange(CircleTestData.Seeded.Take(20).Select(f => (f.Lat, f.Lng))); // exactly on a facility

        var categories = new[] { "clinic", "market", "sports", "elderly_care" };
        var checkedPages = 0;
        foreach (var (lat, lng) in points)
        {
            var mode = random.Next(3) == 0 ? TravelMode.Bike : TravelMode.Walk;
            var minutes = new[] { 5, 10, 15, 20, 30 }[random.Next(5)];
            var only = random.Next(3) == 0 ? categories[random.Next(categories.Length)] : null;
            var request = new FindNearbyRequest { Location = new LatLng { Latitude = lat, Longitude = lng }, Mode = mode, Minutes = minutes, PageSize = 100 };
            if (only is not null)
            {
                request.Categories.Add(only);
            }

            var answer = await circle.FindNearbyAsync(request);

            var radius = CircleTestData.RadiusMeters(mode, minutes);
            var scanned = CircleTestData.Seeded.Where(f => only is null || f.Category == only)
                .Select(f => (f.Id, Meters: CircleTestData.Meters(lat, lng, f.Lat, f.Lng)))
                .Where(f => f.Meters <= radius + 0.01).OrderBy(f => f.Meters).ToList();
            var borderline = scanned.Count(f => Math.Abs(f.Meters - radius) < 0.01); // either answer is right within a centimetre
            var page = answer.Facilities;
            var because = $"at ({lat}, {lng}), {mode} {minutes} min, {only ?? "all"}";

            Assert.InRange(answer.TotalReachable, scanned.Count - borderline, scanned.Count);
            Assert.Equal(Math.Min(100, answer.TotalReachable), page.Count);
            Assert.Equal(Math.Round(radius, 1), answer.Assumptions.RadiusMeters);
            var expected = scanned.ToDictionary(f => f.Id, f => f.Meters);
            foreach (var found in page)
            {
                Assert.True(expected.TryGetValue(found.Facility.FacilityId, out var meters), $"{found.Facility.FacilityId} is out of reach {because}");
                Assert.Equal(meters, found.DistanceMeters, 0.06);
                Assert.Equal(meters * CircleTestData.DetourFactor / (mode == TravelMode.Bike ? 250 : 80), found.Minutes, 0.06);
            }

            Assert.Equal(page.OrderBy(f => f.DistanceMeters).Select(f => f.Facility.FacilityId), page.Select(f => f.Facility.FacilityId));
            if (scanned.Count > page.Count)
            {
                // A full page holds the nearest ones: nothing left out is nearer than the farthest shown.
                Assert.True(page[^1].DistanceMeters <= scanned[page.Count].Meters + 0.06, because);
            }
            else
            {
                Assert.Equal(scanned.Select(f => f.Id).Order(), page.Select(f => f.Facility.FacilityId).Order());
            }

            checkedPages += page.Count > 0 ? 1 : 0;
        }

        Assert.True(checkedPages > points.Count / 2, "Most searches should find something in a city this dense.");
    }

    private static double Between(Random random, double low, double high) => low + (random.NextDouble() * (high - low));
}

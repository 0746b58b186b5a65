using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;

namespace Backbone.Tests.Grid;

/// <summary>The sample city shipped in seeds/: a valid tree in which every point of the city has exactly one grid.</summary>
public sealed class GridSeedTests
{
    private static readonly GridSeed Seed = GridSeed.Load(Path.Combine(AppContext.BaseDirectory, "grid-5101.json"));

    [Fact]
    public void The_sample_city_is_a_tree_of_a_few_hundred_units_with_five_districts()
    {
        Assert.InRange(Seed.Count, 200, 1000);
        Assert.Equal("成都市", Seed.Find("5101")!.Name);
        Assert.Equal(["510104", "510105", "510106", "510107", "510108"], Seed.ChildrenOf("5101"));
        Assert.Equal("春熙路街道", Seed.Find("510104001")!.Name);
        Assert.Equal(UnitLevel.Grid, Seed.Find("510104001001001")!.Level);
    }

    [Fact]
    public void Every_point_of_the_city_lies_in_exactly_one_grid()
    {
        var grids = AllCodes("5101").Select(code => Seed.Find(code)!).Where(u => u.Level == UnitLevel.Grid).ToList();
        var random = new Random(5101);
        var points = Enumerable.Range(0, 3000)
            .Select(_ => new GeoPoint(30.58 + random.NextDouble() * 0.16, 103.98 + random.NextDouble() * 0.2))
            .Concat(grids.SelectMany(g => g.Boundary).Where(c => c.Latitude < 30.74 && c.Longitude < 104.18)); // shared corners

        foreach (var point in points)
        {
            // The sample grids are rectangles with half-open edges: an independent oracle for the locator.
            var covering = grids.Where(g => InRectangle(g, point)).Select(g => g.Code).ToList();
            Assert.True(covering.Count == 1, $"{point} lies in {covering.Count} grids");
            Assert.Equal(covering[0], Seed.Locate(point)?.Code);
        }
    }

    [Fact]
    public void A_point_outside_the_city_has_no_grid()
    {
        Assert.Null(Seed.Locate(new GeoPoint(39.9042, 116.4074))); // Beijing
        Assert.Null(Seed.Locate(new GeoPoint(30.75, 104.0)));       // just north of the sample area
    }

    [Fact]
    public void A_seed_with_a_grid_outside_its_parent_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-grid-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"units":[{"code":"5101","name":"成都市"},{"code":"510104","name":"锦江区","parent":"5102"}]}""");

        var error = Assert.Throws<InvalidOperationException>(() => GridSeed.Load(path));

        Assert.Contains("510104 must have parent '5101'", error.Message);
    }

    private static IEnumerable<string> AllCodes(string code) => Seed.ChildrenOf(code).SelectMany(AllCodes).Prepend(code);

    private static bool InRectangle(SeedUnit grid, GeoPoint point) =>
        point.Latitude >= grid.Boundary.Min(c => c.Latitude) && point.Latitude < grid.Boundary.Max(c => c.Latitude)
        && point.Longitude >= grid.Boundary.Min(c => c.Longitude) && point.Longitude < grid.Boundary.Max(c => c.Longitude);
}

using System.Net.Http.Headers;
using System.Text.Json;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Tests.Circle;

/// <summary>Facilities kept up to date, searched by time and opening hours, and community gaps, through the real API.</summary>
public sealed class ServiceCircleTests(ServiceCircleTests.NodeFixture fixture) : IClassFixture<ServiceCircleTests.NodeFixture>
{
    // In 金牛区, away from the gap community the coverage test looks at.
    private static readonly LatLng Jinniu = new() { Latitude = 30.60, Longitude = 104.03 };
    private static readonly LatLng JinniuFarther = new() { Latitude = 30.63, Longitude = 104.05 };

    private BackboneNode Node => fixture.Node;

    public sealed class NodeFixture : IAsyncLifetime
    {
        public BackboneNode Node { get; private set; } = null!;

        public ServiceCircleService.ServiceCircleServiceClient Partner { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Node = await BackboneNode.StartAsync();
            Partner = new(Node.Channel.WithToken(await Node.Identity.PartnerTokenAsync()));
        }

        public async Task DisposeAsync() => await Node.DisposeAsync();
    }

    [Fact]
    public async Task An_upserted_facility_is_found_by_the_next_search_moves_with_its_next_upsert_and_is_gone_once_removed()
    {
        var partner = fixture.Partner;
        var id = NewId();
        var created = await partner.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(id, "sports", Jinniu, "金牛区全民健身中心") });
        var nearFirst = await NearbyIds(partner, Jinniu);

        var moved = await partner.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(id, "sports", JinniuFarther, "金牛区全民健身中心") });
        var nearOldPlace = await NearbyIds(partner, Jinniu);
        var nearNewPlace = await NearbyIds(partner, JinniuFarther);

        await partner.RemoveFacilityAsync(new RemoveFacilityRequest { FacilityId = id });
        var afterRemoval = await NearbyIds(partner, JinniuFarther);

        Assert.Equal(("金牛区全民健身中心", "510106001001002"), (created.Name, created.GridUnitCode));
        Assert.Contains(id, nearFirst);
        Assert.DoesNotContain(id, nearOldPlace);
        Assert.Contains(id, nearNewPlace);
        Assert.NotEqual(created.GridUnitCode, moved.GridUnitCode);
        Assert.DoesNotContain(id, afterRemoval);
        await RpcAssert.Fails(StatusCode.NotFound, () => partner.GetFacilityAsync(new GetFacilityRequest { FacilityId = id }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => partner.RemoveFacilityAsync(new RemoveFacilityRequest { FacilityId = id }).ResponseAsync);
    }

    [Fact]
    public async Task A_seeded_facility_can_be_removed_and_put_back()
    {
        var partner = fixture.Partner;
        var seeded = CircleTestData.Seeded.First(f => f.Category == "market" && f.Lat < 30.62 && f.Lng < 104.02);
        var at = new LatLng { Latitude = seeded.Lat, Longitude = seeded.Lng };
        var original = await partner.GetFacilityAsync(new GetFacilityRequest { FacilityId = seeded.Id });

        await partner.RemoveFacilityAsync(new RemoveFacilityRequest { FacilityId = seeded.Id });
        var whileRemoved = await NearbyIds(partner, at);
        await partner.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = original });
        var restored = await NearbyIds(partner, at);

        Assert.DoesNotContain(seeded.Id, whileRemoved);
        Assert.Contains(seeded.Id, restored);
    }

    [Fact]
    public async Task Mode_and_minutes_set_the_radius_and_the_answer_says_how()
    {
        var partner = fixture.Partner;
        var centre = new LatLng { Latitude = 30.66, Longitude = 104.06 };

        var walk5 = await Find(partner, centre, TravelMode.Walk, 5);
        var walk15 = await Find(partner, centre, TravelMode.Unspecified, 0); // the defaults: on foot, 15 minutes
        var bike15 = await Find(partner, centre, TravelMode.Bike, 15);

        Assert.Equal((TravelMode.Walk, 15, 80.0, 1.3, 923.1), (walk15.Assumptions.Mode, walk15.Assumptions.Minutes,
            walk15.Assumptions.MetersPerMinute, walk15.Assumptions.DetourFactor, walk15.Assumptions.RadiusMeters));
        Assert.Equal(307.7, walk5.Assumptions.RadiusMeters);
        Assert.Equal(2884.6, bike15.Assumptions.RadiusMeters);
        Assert.True(walk5.TotalReachable < walk15.TotalReachable && walk15.TotalReachable < bike15.TotalReachable);
        Assert.All(walk15.Facilities, f => Assert.InRange(f.Minutes, 0, 15));
        Assert.All(walk5.Facilities.Select(f => f.Facility.FacilityId), id => Assert.Contains(id, walk15.Facilities.Select(f => f.Facility.FacilityId)));
    }

    [Fact]
    public async Task Open_now_keeps_what_is_open_at_that_moment_in_local_time_including_hours_past_midnight()
    {
        var partner = fixture.Partner;
        var at = new LatLng { Latitude = 30.705, Longitude = 104.005 };
        var mornings = Facility(NewId(), "culture", at, "金牛区书院 (weekday mornings)");
        mornings.OpeningHours.Add(new OpeningPeriod { Days = { 1, 2, 3, 4, 5 }, Opens = "08:00", Closes = "12:00" });
        var always = Facility(NewId(), "culture", at, "24小时自助图书馆");
        always.OpenAllHours = true;
        var unknown = Facility(NewId(), "culture", at, "Hours unknown");
        var nights = Facility(NewId(), "culture", at, "夜间文化站");
        nights.OpeningHours.Add(new OpeningPeriod { Days = { 1, 2, 3, 4, 5, 6, 7 }, Opens = "22:00", Closes = "02:00" });
        foreach (var facility in new[] { mornings, always, unknown, nights })
        {
            await partner.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = facility });
        }

        async Task<IEnumerable<string>> OpenAt(string localTime)
        {
            var answer = await partner.FindNearbyAsync(new FindNearbyRequest
            {
                Location = at,
                Minutes = 1,
                OpenNow = true,
                PageSize = 100,
                OpenAt = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(localTime, System.Globalization.CultureInfo.InvariantCulture)),
            });
            var ours = new[] { mornings.FacilityId, always.FacilityId, unknown.FacilityId, nights.FacilityId };
            return answer.Facilities.Select(f => f.Facility.FacilityId).Where(ours.Contains).Order();
        }

        Assert.Equal(new[] { always.FacilityId, mornings.FacilityId }.Order(), await OpenAt("2026-11-30T09:00:00+08:00")); // Monday
        Assert.Equal(new[] { always.FacilityId, mornings.FacilityId }.Order(), await OpenAt("2026-11-30T01:30:00Z")); // the same moment in UTC
        Assert.Equal([always.FacilityId], await OpenAt("2026-12-05T09:00:00+08:00")); // Saturday
        Assert.Equal(new[] { always.FacilityId, nights.FacilityId }.Order(), await OpenAt("2026-12-01T01:00:00+08:00")); // Tuesday, small hours
        Assert.Equal(new[] { always.FacilityId, nights.FacilityId }.Order(), await OpenAt("2026-11-30T23:00:00+08:00"));
    }

    [Fact]
    public async Task Coverage_shows_a_community_missing_sports_until_one_opens_there()
    {
        var partner = fixture.Partner;
        var before = await partner.AnalyzeCoverageAsync(new AnalyzeCoverageRequest { UnitCode = CircleTestData.GapCommunity });
        await partner.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(NewId(), "sports", CircleTestData.GapCommunityCentre, "新建社区健身广场") });
        var after = await partner.AnalyzeCoverageAsync(new AnalyzeCoverageRequest { UnitCode = CircleTestData.GapCommunity });
        var district = await partner.AnalyzeCoverageAsync(new AnalyzeCoverageRequest { UnitCode = "510104" });

        Assert.Equal(13, before.PointCount); // four grids: their centres and nine distinct corners
        Assert.Contains("sports", before.MissingCategories);
        Assert.Equal(0, before.Categories.Single(c => c.Category == "sports").PointsReached);
        Assert.True(before.Categories.Single(c => c.Category == "clinic").PointsReached > 0);
        Assert.DoesNotContain("sports", after.MissingCategories);
        Assert.InRange(after.Categories.Single(c => c.Category == "sports").PointsReached, 1, after.PointCount);
        Assert.Equal(FacilityCategoriesCount, district.Categories.Count);
        Assert.True(district.PointCount > before.PointCount);
    }

    [Fact]
    public async Task Who_may_do_what()
    {
        var narrow = new ServiceCircleService.ServiceCircleServiceClient(Node.Channel.WithToken(IdentityClient.Ensure(
            await Node.Identity.ClientCredentialsAsync(TestIdentity.NarrowPartner, TestIdentity.NarrowPartnerSecret)).AccessToken!));
        var staffToken = await Node.Identity.StaffTokenAsync(TestIdentity.GridWorkerMobile, "openid circle.read circle.manage");
        var gridWorker = new ServiceCircleService.ServiceCircleServiceClient(Node.Channel.WithToken(staffToken));
        var citizenToken = (await Node.Identity.SignInAsync(TestIdentity.SecondApp, TestIdentity.SecondAppRedirect,
            "openid circle.read", TestIdentity.CitizenMobile, TestIdentity.CitizenPassword)).AccessToken!;
        var citizen = new ServiceCircleService.ServiceCircleServiceClient(Node.Channel.WithToken(citizenToken));
        var anonymous = new ServiceCircleService.ServiceCircleServiceClient(Node.Channel);
        var inOwnGrid = new LatLng { Latitude = 30.59, Longitude = 104.063 }; // the grid worker's grid

        var found = await citizen.FindNearbyAsync(new FindNearbyRequest { Location = inOwnGrid });
        var byNarrow = await narrow.FindNearbyAsync(new FindNearbyRequest { Location = inOwnGrid });
        var ownGrid = await gridWorker.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(NewId(), "elderly_care", inOwnGrid, "网格老年食堂") });

        Assert.Equal(found.TotalReachable, byNarrow.TotalReachable);
        Assert.Equal(TestIdentity.GridWorkerUnit, ownGrid.GridUnitCode);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => narrow.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(NewId(), "clinic", Jinniu, "x") }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => gridWorker.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(NewId(), "clinic", Jinniu, "别的网格") }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => gridWorker.RemoveFacilityAsync(new RemoveFacilityRequest { FacilityId = CircleTestData.Seeded.First(f => f.Lng < 104.0).Id }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => citizen.AnalyzeCoverageAsync(new AnalyzeCoverageRequest { UnitCode = CircleTestData.GapCommunity }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => citizen.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = Facility(NewId(), "clinic", inOwnGrid, "x") }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.Unauthenticated, () => anonymous.FindNearbyAsync(new FindNearbyRequest { Location = inOwnGrid }).ResponseAsync);
    }

    [Fact]
    public async Task Bad_searches_and_facilities_are_refused_with_every_field_named()
    {
        var partner = fixture.Partner;

        var search = await RpcAssert.Fails(StatusCode.InvalidArgument, () => partner.FindNearbyAsync(new FindNearbyRequest
        {
            Location = new LatLng { Latitude = 91, Longitude = 104.06 },
            Minutes = 61,
            Categories = { "clinic", "casino" },
            PageSize = 101,
            Mode = (TravelMode)7,
        }).ResponseAsync);
        var outside = await RpcAssert.Fails(StatusCode.InvalidArgument, () => partner.FindNearbyAsync(new FindNearbyRequest
        {
            Location = new LatLng { Latitude = 39.90, Longitude = 116.40 }, // Beijing
        }).ResponseAsync);
        var noMinutes = await RpcAssert.Fails(StatusCode.InvalidArgument, () => partner.FindNearbyAsync(new FindNearbyRequest
        {
            Location = Jinniu,
            Minutes = -1,
        }).ResponseAsync);
        var bad = Facility("Not An Id!", "bakery", new LatLng { Latitude = 31.23, Longitude = 121.47 }, "");
        bad.OpeningHours.Add(new OpeningPeriod { Days = { 0, 8 }, Opens = "25:00", Closes = "9am" });
        bad.Capacity = -1;
        var facility = await RpcAssert.Fails(StatusCode.InvalidArgument, () => partner.UpsertFacilityAsync(new UpsertFacilityRequest { Facility = bad }).ResponseAsync);

        Assert.Equal(["location.latitude", "minutes", "categories[1]", "page_size", "mode"], RpcAssert.ViolatedFields(search));
        Assert.Equal(["location"], RpcAssert.ViolatedFields(outside));
        Assert.Equal(["minutes"], RpcAssert.ViolatedFields(noMinutes));
        Assert.Equal(
            ["facility.facility_id", "facility.name", "facility.category", "facility.location", "facility.opening_hours[0].days",
             "facility.opening_hours[0].opens", "facility.opening_hours[0].closes", "facility.capacity"],
            RpcAssert.ViolatedFields(facility));
        await RpcAssert.Fails(StatusCode.NotFound, () => partner.GetFacilityAsync(new GetFacilityRequest { FacilityId = "no-such-facility" }).ResponseAsync);
    }

    [Fact]
    public async Task A_mini_program_searches_over_JSON_with_query_parameters()
    {
        using var http = new HttpClient { BaseAddress = Node.Identity.Provider };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Node.Identity.PartnerTokenAsync());

        using var answer = await http.GetAsync("v1/facilities:nearby?location.latitude=30.66&location.longitude=104.06&mode=TRAVEL_MODE_BIKE&categories=clinic&pageSize=5");
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        using var categories = JsonDocument.Parse(await http.GetStringAsync("v1/facility-categories"));

        Assert.True(answer.IsSuccessStatusCode, body.RootElement.ToString());
        var facilities = body.RootElement.GetProperty("facilities").EnumerateArray().ToList();
        Assert.Equal(5, facilities.Count);
        Assert.All(facilities, f => Assert.Equal("clinic", f.GetProperty("facility").GetProperty("category").GetString()));
        Assert.Equal("TRAVEL_MODE_BIKE", body.RootElement.GetProperty("assumptions").GetProperty("mode").GetString());
        Assert.Contains(categories.RootElement.GetProperty("categories").EnumerateArray(), c => c.GetProperty("name").GetString() == "社区卫生服务");
    }

    private const int FacilityCategoriesCount = 8;

    private static string NewId() => "test-" + Guid.NewGuid().ToString("N")[..12];

    private static Facility Facility(string id, string category, LatLng at, string name) => new()
    {
        FacilityId = id,
        Name = name,
        Category = category,
        Location = at,
        Address = "成都市",
    };

    private static async Task<FindNearbyResponse> Find(ServiceCircleService.ServiceCircleServiceClient client, LatLng at, TravelMode mode, int minutes) =>
        await client.FindNearbyAsync(new FindNearbyRequest { Location = at, Mode = mode, Minutes = minutes, PageSize = 100 });

    private static async Task<List<string>> NearbyIds(ServiceCircleService.ServiceCircleServiceClient client, LatLng at) =>
        [.. (await client.FindNearbyAsync(new FindNearbyRequest { Location = at, Minutes = 2, PageSize = 100 })).Facilities.Select(f => f.Facility.FacilityId)];
}

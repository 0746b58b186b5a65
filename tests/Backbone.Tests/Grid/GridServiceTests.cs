using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Tests.Grid;

[Collection(SharedNodeCollection.Name)]
public sealed class GridServiceTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task Units_are_read_with_their_children()
    {
        var grid = GridAs(await Node.Identity.PartnerTokenAsync("grid.read"));

        var city = await grid.GetUnitAsync(new GetUnitRequest { Code = "5101" });
        var streets = await grid.ListChildUnitsAsync(new ListChildUnitsRequest { Code = "510104" });
        var leaf = await grid.GetUnitAsync(new GetUnitRequest { Code = "510104001001001" });

        Assert.Equal(("成都市", UnitLevel.City, 5), (city.Name, city.Level, city.ChildCount));
        Assert.Equal(["春熙路街道", "书院街街道", "合江亭街道"], streets.Units.Select(u => u.Name));
        Assert.All(streets.Units, u => Assert.Equal("510104", u.ParentCode));
        Assert.Equal(4, leaf.Boundary.Count);
        Assert.Equal("510104001001", leaf.ParentCode);
        await RpcAssert.Fails(StatusCode.NotFound, () => grid.GetUnitAsync(new GetUnitRequest { Code = "510199" }).ResponseAsync);
        var bad = await RpcAssert.Fails(StatusCode.InvalidArgument, () => grid.GetUnitAsync(new GetUnitRequest { Code = "51a1" }).ResponseAsync);
        Assert.Equal(["code"], RpcAssert.ViolatedFields(bad));
    }

    [Fact]
    public async Task A_location_is_routed_to_the_one_grid_covering_it()
    {
        var grid = GridAs(await Node.Identity.PartnerTokenAsync("grid.read"));

        var inside = await grid.LocateUnitAsync(new LocateUnitRequest { Location = new LatLng { Latitude = 30.59, Longitude = 104.063 } });
        var onSharedEdge = await grid.LocateUnitAsync(new LocateUnitRequest { Location = new LatLng { Latitude = 30.59, Longitude = 104.066667 } });
        await RpcAssert.Fails(StatusCode.NotFound,
            () => grid.LocateUnitAsync(new LocateUnitRequest { Location = new LatLng { Latitude = 39.9042, Longitude = 116.4074 } }).ResponseAsync);
        var bad = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => grid.LocateUnitAsync(new LocateUnitRequest { Location = new LatLng { Latitude = 91, Longitude = 200 } }).ResponseAsync);

        Assert.Equal("510104001001001", inside.Code);
        Assert.Equal("510104001001002", onSharedEdge.Code);
        Assert.Equal(["location.latitude", "location.longitude"], RpcAssert.ViolatedFields(bad));
    }

    [Fact]
    public async Task Only_a_city_administrator_edits_a_unit()
    {
        var admin = GridAs(await StaffToken(TestIdentity.CityAdminMobile));
        var districtHandler = GridAs(await StaffToken(TestIdentity.DistrictHandlerMobile));
        var before = await admin.GetUnitAsync(new GetUnitRequest { Code = "510104002" });

        var renamed = await admin.UpdateUnitAsync(new UpdateUnitRequest
        {
            Code = "510104002",
            Name = "书院街街道（新）",
            DutyPhone = "028-8666 1234",
            UpdateMask = new FieldMask { Paths = { "name", "duty_phone" } },
            Etag = before.Etag,
        });
        await RpcAssert.Fails(StatusCode.Aborted, () => admin.UpdateUnitAsync(new UpdateUnitRequest
        {
            Code = "510104002",
            Name = "过期的修改",
            UpdateMask = new FieldMask { Paths = { "name" } },
            Etag = before.Etag,
        }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => districtHandler.UpdateUnitAsync(new UpdateUnitRequest
        {
            Code = "510104002",
            Name = "区里改的",
            UpdateMask = new FieldMask { Paths = { "name" } },
        }).ResponseAsync);

        Assert.Equal(("书院街街道（新）", "028-8666 1234"), (renamed.Name, renamed.DutyPhone));
        Assert.Equal(renamed, await districtHandler.GetUnitAsync(new GetUnitRequest { Code = "510104002" }));
    }

    private GridService.GridServiceClient GridAs(string token) => new(Node.Channel.WithToken(token));

    private Task<string> StaffToken(string mobile) => Node.Identity.StaffTokenAsync(mobile, "openid grid.read grid.manage");
}

using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Tests.Security;

/// <summary>Who reaches which citizen: the citizen themselves, staff within their unit's subtree, partners within their scopes.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class OwnershipTests(BackboneFixture fixture)
{
    private const string OtherDistrictGrid = "510107001001001";

    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task A_citizen_reads_and_changes_only_their_own_record()
    {
        var other = await Register(TestIdentity.CitizenUnit);
        var citizen = Node.CitizensAs(await CitizenToken());

        var me = await citizen.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });
        var byId = await citizen.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = me.CitizenId });
        var someoneElse = await RpcAssert.Fails(StatusCode.NotFound, () => citizen.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = other.CitizenId }).ResponseAsync);
        var nobody = await RpcAssert.Fails(StatusCode.NotFound, () => citizen.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = new string('0', 32) }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => citizen.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = other.CitizenId,
            Address = "别人的地址",
            UpdateMask = new FieldMask { Paths = { "address" } },
        }).ResponseAsync);
        var changed = await citizen.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = "me",
            Address = "成都市锦江区春熙路1号（新）",
            UpdateMask = new FieldMask { Paths = { "address" } },
        });

        Assert.Equal(me.CitizenId, byId.CitizenId);
        Assert.Equal(me.CitizenId, changed.CitizenId);
        Assert.Equal("成都市锦江区春熙路1号（新）", changed.Address);
        // Someone else's record and no record at all look the same.
        Assert.Equal(nobody.Status.Detail.Replace(new string('0', 32), "X"), someoneElse.Status.Detail.Replace(other.CitizenId, "X"));
        Assert.Equal(other, await Node.Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = other.CitizenId }));
    }

    [Fact]
    public async Task A_citizen_cannot_move_themselves_nor_register_others()
    {
        var citizen = Node.CitizensAs(await CitizenToken());

        await RpcAssert.Fails(StatusCode.PermissionDenied, () => citizen.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = "me",
            GridUnitCode = OtherDistrictGrid,
            UpdateMask = new FieldMask { Paths = { "grid_unit_code" } },
        }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => citizen.RegisterCitizenAsync(TestData.Registration()).ResponseAsync);
    }

    [Fact]
    public async Task Staff_reach_citizens_of_their_subtree_only()
    {
        var inGrid = await Register(TestIdentity.GridWorkerUnit);
        var inDistrictElsewhere = await Register("510104002003004");
        var otherDistrict = await Register(OtherDistrictGrid);
        var unassigned = await Register(string.Empty);
        var gridWorker = Node.CitizensAs(await StaffToken(TestIdentity.GridWorkerMobile));
        var districtHandler = Node.CitizensAs(await StaffToken(TestIdentity.DistrictHandlerMobile));

        Assert.Equal(inGrid, await gridWorker.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = inGrid.CitizenId }));
        Assert.Equal(inGrid, await districtHandler.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = inGrid.CitizenId }));
        Assert.Equal(inDistrictElsewhere, await districtHandler.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = inDistrictElsewhere.CitizenId }));
        await RpcAssert.Fails(StatusCode.NotFound, () => gridWorker.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = inDistrictElsewhere.CitizenId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => districtHandler.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = otherDistrict.CitizenId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => districtHandler.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = unassigned.CitizenId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => districtHandler.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = otherDistrict.CitizenId,
            Phone = TestData.Phone(),
            UpdateMask = new FieldMask { Paths = { "phone" } },
        }).ResponseAsync);
    }

    [Fact]
    public async Task Staff_register_and_move_citizens_only_within_their_subtree()
    {
        var districtHandler = Node.CitizensAs(await StaffToken(TestIdentity.DistrictHandlerMobile));
        var inside = TestData.Registration();
        inside.GridUnitCode = "510104001002003";
        var outside = TestData.Registration();
        outside.GridUnitCode = OtherDistrictGrid;

        var registered = await districtHandler.RegisterCitizenAsync(inside);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => districtHandler.RegisterCitizenAsync(outside).ResponseAsync);
        var moved = await districtHandler.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = registered.CitizenId,
            GridUnitCode = "510104003001001",
            UpdateMask = new FieldMask { Paths = { "grid_unit_code" } },
        });
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => districtHandler.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = registered.CitizenId,
            GridUnitCode = OtherDistrictGrid,
            UpdateMask = new FieldMask { Paths = { "grid_unit_code" } },
        }).ResponseAsync);

        Assert.Equal("510104003001001", moved.GridUnitCode);
        Assert.Equal(moved, await Node.Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId }));
    }

    [Fact]
    public async Task A_partner_acts_only_within_its_scopes()
    {
        var citizen = await Register(TestIdentity.CitizenUnit);
        var narrow = IdentityClient.Ensure(await Node.Identity.ClientCredentialsAsync(TestIdentity.NarrowPartner, TestIdentity.NarrowPartnerSecret));
        var readOnly = Node.CitizensAs(await Node.Identity.PartnerTokenAsync("citizen.profile"));

        var noScope = await RpcAssert.Fails(StatusCode.PermissionDenied,
            () => Node.CitizensAs(narrow.AccessToken!).GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = citizen.CitizenId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => readOnly.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = citizen.CitizenId,
            Phone = TestData.Phone(),
            UpdateMask = new FieldMask { Paths = { "phone" } },
        }).ResponseAsync);
        var notACitizen = await RpcAssert.Fails(StatusCode.InvalidArgument, () => readOnly.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }).ResponseAsync);

        Assert.Contains("citizen.profile", noScope.Status.Detail);
        Assert.Equal(["citizen_id"], RpcAssert.ViolatedFields(notACitizen));
        Assert.Equal(citizen, await readOnly.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = citizen.CitizenId }));
    }

    [Fact]
    public async Task Request_ids_belong_to_their_caller()
    {
        var request = TestData.Registration();
        var again = TestData.Registration();
        again.RequestId = request.RequestId;
        var districtHandler = Node.CitizensAs(await StaffToken(TestIdentity.DistrictHandlerMobile));
        again.GridUnitCode = TestIdentity.DistrictHandlerUnit;

        var byPartner = await Node.Citizens.RegisterCitizenAsync(request);
        var byStaff = await districtHandler.RegisterCitizenAsync(again);

        Assert.NotEqual(byPartner.CitizenId, byStaff.CitizenId); // the same id from another caller is another registration
    }

    private Task<Citizen> Register(string unit)
    {
        var request = TestData.Registration();
        request.GridUnitCode = unit;
        return Node.Citizens.RegisterCitizenAsync(request).ResponseAsync;
    }

    private Task<string> CitizenToken() => Node.Identity.CitizenTokenAsync("openid citizen.profile citizen.update");

    private Task<string> StaffToken(string mobile) => Node.Identity.StaffTokenAsync(mobile, "openid citizen.profile citizen.update citizen.register");
}

using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Tests.Enterprises;

/// <summary>Registration, change and reads of enterprises, with the registration authority, the enterprise's people, and staff.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class EnterpriseServiceTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task A_change_registration_is_recorded_with_what_changed_and_a_stale_etag_is_refused()
    {
        var owner = await Services.NewCitizenAsync(Node);
        var agent = await Services.NewCitizenAsync(Node, "赵经办");
        var regulator = await Services.PartnerAsync(Node);
        var code = TestData.CreditCode();
        var registered = await regulator.Enterprises.RegisterEnterpriseAsync(OpenRestaurantTests.Registration(code, owner.CitizenId));

        var renamed = await regulator.Enterprises.UpdateEnterpriseAsync(new UpdateEnterpriseRequest
        {
            CreditCode = code,
            UpdateMask = FieldMask.FromString("name,agent_citizen_ids"),
            Name = "成都市锦江区蓉味轩餐饮管理有限公司",
            AgentCitizenIds = { agent.CitizenId },
            Etag = registered.Etag,
        });
        var stale = await RpcAssert.Fails(StatusCode.Aborted, () => regulator.Enterprises.UpdateEnterpriseAsync(new UpdateEnterpriseRequest
        {
            CreditCode = code,
            UpdateMask = FieldMask.FromString("address"),
            Address = "成都市锦江区红星路一段1号",
            Etag = registered.Etag,
        }).ResponseAsync);
        var readByAgent = await agent.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code });
        var again = await regulator.Enterprises.RegisterEnterpriseAsync(OpenRestaurantTests.Registration(code, owner.CitizenId));
        var other = await RpcAssert.Fails(StatusCode.AlreadyExists, () => regulator.Enterprises.RegisterEnterpriseAsync(
            OpenRestaurantTests.Registration(code, agent.CitizenId)).ResponseAsync);

        Assert.Equal(["register", "change"], renamed.History.Select(h => h.Action));
        Assert.Contains("name: 成都市锦江区蓉味餐饮有限公司 → 成都市锦江区蓉味轩餐饮管理有限公司", renamed.History[1].Note);
        Assert.Equal(TestIdentity.Partner, renamed.History[1].Actor);
        Assert.Contains("changed since etag", stale.Status.Detail);
        Assert.Equal(renamed, readByAgent);
        Assert.Equal(registered.CreditCode, again.CreditCode);
        Assert.Contains(code, other.Status.Detail);
    }

    [Fact]
    public async Task Bad_registrations_name_every_field_and_write_nothing()
    {
        var regulator = await Services.PartnerAsync(Node);
        var code = TestData.CreditCode();

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => regulator.Enterprises.RegisterEnterpriseAsync(new RegisterEnterpriseRequest
        {
            CreditCode = code.ToLowerInvariant(),
            Name = "A",
            Address = "",
            LegalRepresentativeId = "someone",
            GridUnitCode = "510104",
        }).ResponseAsync);
        var nobody = await RpcAssert.Fails(StatusCode.InvalidArgument, () => regulator.Enterprises.RegisterEnterpriseAsync(
            OpenRestaurantTests.Registration(code, new string('a', 32))).ResponseAsync);

        Assert.Equal(["credit_code", "name", "address", "legal_representative_id", "grid_unit_code"], RpcAssert.ViolatedFields(error));
        Assert.Equal(["legal_representative_id"], RpcAssert.ViolatedFields(nobody));
        await RpcAssert.Fails(StatusCode.NotFound,
            () => regulator.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code, Purpose = TestData.Purpose }).ResponseAsync);
    }

    [Fact]
    public async Task Staff_read_enterprises_of_their_unit_with_a_purpose_and_the_enterprise_sees_the_read()
    {
        var owner = await Services.NewCitizenAsync(Node);
        var regulator = await Services.PartnerAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var code = TestData.CreditCode();
        var elsewhere = TestData.CreditCode();
        await regulator.Enterprises.RegisterEnterpriseAsync(OpenRestaurantTests.Registration(code, owner.CitizenId));
        await regulator.Enterprises.RegisterEnterpriseAsync(OpenRestaurantTests.Registration(elsewhere, owner.CitizenId).With(r => r.GridUnitCode = "510105001001001"));

        var noPurpose = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => district.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code }).ResponseAsync);
        var read = await district.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code, Purpose = "食品安全专项检查" });
        var licences = await district.Enterprises.ListEnterpriseLicencesAsync(new ListEnterpriseLicencesRequest { CreditCode = code, Purpose = "食品安全专项检查" });
        await RpcAssert.Fails(StatusCode.NotFound,
            () => district.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = elsewhere, Purpose = "越权查询" }).ResponseAsync);
        await owner.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code }); // its own people: not logged
        var log = await owner.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest { EnterpriseCreditCode = code });

        Assert.Equal(["purpose"], RpcAssert.ViolatedFields(noPurpose));
        Assert.Equal(code, read.CreditCode);
        Assert.Empty(licences.Certificates);
        Assert.Equal(
            [("backbone.v1.EnterpriseService/ListEnterpriseLicences", "510104"), ("backbone.v1.EnterpriseService/GetEnterprise", "510104")],
            log.Entries.Select(e => (e.Rpc, e.AccessorUnitCode)));
        Assert.Empty((await owner.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest { EnterpriseCreditCode = elsewhere })).Entries);
    }
}

using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Tests.Citizens;

/// <summary>Every read of a citizen's data by someone else is logged with its purpose; the citizen sees the log.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class DataAccessLogTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task The_log_shows_a_staff_read_and_a_partner_read_newest_first_and_not_the_citizens_own()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var partner = await Services.PartnerAsync(Node);
        var cityAdmin = await Services.StaffAsync(Node, TestIdentity.CityAdminMobile);

        await citizen.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });
        await citizen.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId });
        await cityAdmin.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId, Purpose = "12345热线回访核实身份" });
        await partner.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId, Purpose = "Social security enrolment check" });
        var log = await citizen.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest());

        Assert.Equal(
            [("app", TestIdentity.Partner, "", "Social security enrolment check"), ("staff", "5101", TestIdentity.StaffConsole, "12345热线回访核实身份")],
            log.Entries.Select(e => (e.AccessorKind, e.AccessorKind == "app" ? e.Accessor : e.AccessorUnitCode, e.AccessorKind == "app" ? "" : e.ClientId, e.Purpose)));
        Assert.All(log.Entries, e => Assert.Equal("backbone.v1.CitizenService/GetCitizen", e.Rpc));
        Assert.True(log.Entries[0].Time.ToDateTimeOffset() >= log.Entries[1].Time.ToDateTimeOffset());
        Assert.Empty(log.NextPageToken);
    }

    [Fact]
    public async Task A_read_without_a_purpose_is_refused_and_not_logged()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var partner = await Services.PartnerAsync(Node);

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => partner.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId }).ResponseAsync);
        var blank = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => partner.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId, Purpose = "  " }).ResponseAsync);

        Assert.Equal(["purpose"], RpcAssert.ViolatedFields(error));
        Assert.Equal(["purpose"], RpcAssert.ViolatedFields(blank));
        Assert.Empty((await citizen.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest())).Entries);
    }

    [Fact]
    public async Task The_log_pages_through_every_entry_once_and_survives_a_restart()
    {
        var settings = NodeSettings.Fresh();
        NewAccount account;
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            var citizen = await Services.NewCitizenAsync(node);
            var partner = await Services.PartnerAsync(node);
            for (var i = 0; i < 5; i++)
            {
                await partner.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId, Purpose = $"核验 {i}" });
            }

            account = citizen.Account!;
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var reader = await Services.CitizenAsync(restarted, account);
        var purposes = new List<string>();
        var pages = 0;
        var pageToken = string.Empty;
        do
        {
            var page = await reader.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest { PageSize = 2, PageToken = pageToken });
            purposes.AddRange(page.Entries.Select(e => e.Purpose));
            pageToken = page.NextPageToken;
            pages++;
        }
        while (pageToken.Length > 0);

        Assert.Equal(["核验 4", "核验 3", "核验 2", "核验 1", "核验 0"], purposes);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task A_busy_month_is_sealed_in_chunks_and_still_lists_every_entry_once()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var partner = await Services.PartnerAsync(Node);
        const int Reads = 300; // more than a chunk (256)
        await Task.WhenAll(Enumerable.Range(0, Reads).Select(i =>
            partner.Citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = citizen.CitizenId, Purpose = $"批量核验 {i:D3}" }).ResponseAsync));

        var entries = new List<DataAccessEntry>();
        var pageToken = string.Empty;
        do
        {
            var page = await citizen.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest { PageSize = 100, PageToken = pageToken });
            entries.AddRange(page.Entries);
            pageToken = page.NextPageToken;
        }
        while (pageToken.Length > 0);

        Assert.Equal(Reads, entries.Select(e => e.Purpose).Distinct().Count());
        Assert.Equal(Reads, entries.Count);
    }
}

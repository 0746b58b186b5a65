using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Backbone.Tests.Cases;

/// <summary>Listing a unit's subtree: filters, newest first, pages that neither repeat nor skip.</summary>
public sealed class ListCasesTests
{
    [Fact]
    public async Task A_district_lists_its_subtree_with_filters_and_pages()
    {
        await using var node = await BackboneNode.StartAsync();
        var citizen = await node.CasesAsCitizenAsync();
        var worker = await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var district = await node.CasesAsStaffAsync(TestIdentity.DistrictHandlerMobile);

        var inFirstGrid = new List<Case>();
        for (var i = 0; i < 4; i++)
        {
            inFirstGrid.Add(await Submit(citizen, "noise", 30.59, 104.063));
        }

        var otherStreet = await Submit(citizen, "road", 30.64, 104.063);
        var otherDistrict = await Submit(citizen, "noise", 30.59, 104.10);
        await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = inFirstGrid[1].CaseId });

        var pages = new List<ListCasesResponse> { await district.ListCasesAsync(new ListCasesRequest { UnitCode = "510104", PageSize = 2 }) };
        while (pages[^1].NextPageToken.Length > 0)
        {
            pages.Add(await district.ListCasesAsync(new ListCasesRequest { UnitCode = "510104", PageSize = 2, PageToken = pages[^1].NextPageToken }));
        }

        var accepted = await district.ListCasesAsync(new ListCasesRequest { UnitCode = "510104", State = CaseState.Accepted });
        var roads = await district.ListCasesAsync(new ListCasesRequest { UnitCode = "510104", Category = "road" });
        var ofGrid = await worker.ListCasesAsync(new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit });
        var later = await district.ListCasesAsync(new ListCasesRequest { UnitCode = "510104", SubmittedAfter = otherStreet.CreateTime });

        var newestFirst = inFirstGrid.Append(otherStreet).Reverse().Select(c => c.CaseId).ToList();
        Assert.Equal("510104002001001", otherStreet.GridCode);
        Assert.Equal(newestFirst, pages.SelectMany(p => p.Cases).Select(c => c.CaseId));
        Assert.Equal(3, pages.Count);
        Assert.Equal([inFirstGrid[1].CaseId], accepted.Cases.Select(c => c.CaseId));
        Assert.Equal([otherStreet.CaseId], roads.Cases.Select(c => c.CaseId));
        Assert.Equal(inFirstGrid.Select(c => c.CaseId).Reverse(), ofGrid.Cases.Select(c => c.CaseId));
        Assert.DoesNotContain(otherDistrict.CaseId, later.Cases.Select(c => c.CaseId));
        Assert.Contains(otherStreet.CaseId, later.Cases.Select(c => c.CaseId));
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => worker.ListCasesAsync(new ListCasesRequest { UnitCode = "510104" }).ResponseAsync);
        var bad = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => district.ListCasesAsync(new ListCasesRequest { UnitCode = "510104", PageToken = "garbage", PageSize = 500, Category = "ufo" }).ResponseAsync);
        Assert.Equal(["page_size", "category", "page_token"], RpcAssert.ViolatedFields(bad));
    }

    private static async Task<Case> Submit(CaseService.CaseServiceClient citizen, string category, double latitude, double longitude) =>
        await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = category,
            Description = "测试列表",
            Location = new LatLng { Latitude = latitude, Longitude = longitude },
        });
}

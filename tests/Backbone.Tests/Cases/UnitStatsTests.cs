using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Tests.Cases;

/// <summary>The counts and three rates of a unit's subtree follow the cases, and survive a restart.</summary>
public sealed class UnitStatsTests
{
    private static readonly LatLng InFirstGrid = new() { Latitude = 30.59, Longitude = 104.063 };
    private static readonly LatLng InOtherDistrict = new() { Latitude = 30.59, Longitude = 104.10 };

    [Fact]
    public async Task Stats_match_the_cases_of_each_subtree()
    {
        var fresh = NodeSettings.Fresh();
        var settings = fresh with { Issuer = $"http://127.0.0.1:{fresh.WebPort}/" };
        var expected = new Dictionary<string, UnitStats>();
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            var citizen = await node.CasesAsCitizenAsync();
            var worker = await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
            var district = await node.CasesAsStaffAsync(TestIdentity.DistrictHandlerMobile);
            var admin = await node.CasesAsStaffAsync(TestIdentity.CityAdminMobile);

            var waiting = await Submit(citizen, InFirstGrid);
            var accepted = await Submit(citizen, InFirstGrid);
            var satisfied = await Submit(citizen, InFirstGrid);
            var unsatisfied = await Submit(citizen, InFirstGrid);
            var duplicate = await Submit(citizen, InFirstGrid);
            await Submit(citizen, InOtherDistrict);
            // The same matter reported twice: handled, and rated, as the primary; the rates count it once.
            await admin.MergeCasesAsync(new MergeCasesRequest { PrimaryCaseId = satisfied, DuplicateCaseId = duplicate, Note = "同一件事" });
            await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = accepted });
            foreach (var id in new[] { satisfied, unsatisfied })
            {
                await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = id });
                await worker.StartCaseAsync(new CaseActionRequest { CaseId = id });
                await worker.ReplyCaseAsync(new CaseActionRequest { CaseId = id, Note = "已处理" });
            }

            await citizen.RateCaseAsync(new RateCaseRequest { CaseId = satisfied, Rating = Rating.Satisfied });
            await citizen.RateCaseAsync(new RateCaseRequest { CaseId = unsatisfied, Rating = Rating.Unsatisfied });

            var ofGrid = await district.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = TestIdentity.GridWorkerUnit });
            // A grid's figures are current when an action answers; the units above follow its pushes a moment later.
            var ofDistrict = await CaughtUp(district, "510104", s => s.Rated == 2);
            var ofCity = await CaughtUp(admin, "5101", s => s.Received == 6 && s.Rated == 2);
            await RpcAssert.Fails(StatusCode.PermissionDenied, () => district.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = "510107" }).ResponseAsync);
            await RpcAssert.Fails(StatusCode.PermissionDenied, () => worker.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = "510104" }).ResponseAsync);

            Assert.Equal((5, 1), (ofDistrict.Received, ofDistrict.Merged));
            Assert.Equal(new Dictionary<string, int>
            {
                ["CASE_STATE_DISPATCHED"] = 1,
                ["CASE_STATE_ACCEPTED"] = 1,
                ["CASE_STATE_CLOSED"] = 2,
                ["CASE_STATE_IN_PROGRESS"] = 1,
            }, ofDistrict.ByState);
            Assert.Equal((3, 2, 2, 1), (ofDistrict.Accepted, ofDistrict.Replied, ofDistrict.Rated, ofDistrict.Satisfied));
            Assert.Equal((0.75, 0.5, 0.5), (ofDistrict.ResponseRate, ofDistrict.ResolutionRate, ofDistrict.SatisfactionRate)); // of the 4 that are not duplicates
            Assert.Equal(ofDistrict.Received, ofGrid.Received); // every case of the district happened in that grid
            Assert.Equal((6, 1), (ofCity.Received, ofCity.Merged));
            Assert.Equal(2, ofCity.ByState["CASE_STATE_DISPATCHED"]);
            expected["510104"] = ofDistrict;
            expected["5101"] = ofCity;
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var cityAdmin = await restarted.CasesAsStaffAsync(TestIdentity.CityAdminMobile);
        Assert.Equal(expected["510104"], await cityAdmin.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = "510104" }));
        Assert.Equal(expected["5101"], await cityAdmin.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = "5101" }));
    }

    private static Task<UnitStats> CaughtUp(CaseService.CaseServiceClient staff, string unitCode, Func<UnitStats, bool> current) =>
        Eventually.Get(async () =>
        {
            var stats = await staff.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = unitCode });
            return current(stats) ? stats : null;
        }, $"The figures of unit {unitCode} never caught up.");

    private static async Task<string> Submit(CaseService.CaseServiceClient citizen, LatLng where) =>
        (await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = "夜间施工噪音",
            Location = where,
        })).CaseId;
}

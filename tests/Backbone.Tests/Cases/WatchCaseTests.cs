using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;

namespace Backbone.Tests.Cases;

[Collection(SharedNodeCollection.Name)]
public sealed class WatchCaseTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task A_citizen_watches_their_case_and_resumes_after_reconnecting_without_missing_a_change()
    {
        var citizen = await Node.CasesAsCitizenAsync();
        var worker = await Node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var submitted = await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = "电梯井异响",
            Location = new LatLng { Latitude = 30.59, Longitude = 104.063 },
        });

        string lastSeen;
        using (var firstWatch = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        using (var watch = citizen.WatchCase(new WatchCaseRequest { CaseId = submitted.CaseId }, cancellationToken: firstWatch.Token))
        {
            var now = await Next(watch);
            await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
            var accepted = await Next(watch);
            Assert.Equal((CaseState.Dispatched, CaseState.Accepted), (now.State, accepted.State));
            lastSeen = accepted.Etag;
            firstWatch.Cancel(); // the phone loses its connection
        }

        await worker.StartCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        await worker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已更换电梯配件" });

        using var resumed = citizen.WatchCase(new WatchCaseRequest { CaseId = submitted.CaseId, FromEtag = lastSeen },
            deadline: DateTime.UtcNow.AddSeconds(30));
        var caughtUp = await Next(resumed);

        Assert.Equal(CaseState.Replied, caughtUp.State);
        Assert.Equal(["submit", "dispatch", "accept", "start", "reply"], caughtUp.History.Select(e => e.Action));
    }

    [Fact]
    public async Task Nobody_watches_a_case_that_is_not_theirs()
    {
        var citizen = await Node.CasesAsCitizenAsync();
        var submitted = await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = "别人的案件",
            Location = new LatLng { Latitude = 30.59, Longitude = 104.10 }, // 武侯区
        });
        var district = await Node.CasesAsStaffAsync(TestIdentity.DistrictHandlerMobile);

        using var watch = district.WatchCase(new WatchCaseRequest { CaseId = submitted.CaseId }, deadline: DateTime.UtcNow.AddSeconds(30));

        await RpcAssert.Fails(StatusCode.NotFound, () => watch.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task A_district_watches_its_subtree_and_resumes_from_its_token_without_missing_a_case()
    {
        var citizen = await Node.CasesAsCitizenAsync();
        var worker = await Node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var district = await Node.CasesAsStaffAsync(TestIdentity.DistrictHandlerMobile);

        string token;
        Case first;
        using (var dropped = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        using (var watch = district.WatchUnitCases(new WatchUnitCasesRequest { UnitCode = "510104" }, cancellationToken: dropped.Token))
        {
            Assert.Null((await NextChange(watch)).Case); // subscribed and live
            first = await citizen.SubmitAppealAsync(Appeal("noise", "区里看到的第一件", 30.59, 104.063));
            var seen = await NextChange(watch);
            Assert.Equal(first.CaseId, seen.Case.CaseId);
            token = seen.ResumeToken;
            dropped.Cancel(); // the console loses its connection
        }

        await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = first.CaseId });
        var second = await citizen.SubmitAppealAsync(Appeal("road", "另一条街道的新案件", 30.64, 104.063));
        await citizen.SubmitAppealAsync(Appeal("noise", "别的区的案件", 30.59, 104.10));

        using var resumed = district.WatchUnitCases(new WatchUnitCasesRequest { UnitCode = "510104", ResumeToken = token },
            deadline: DateTime.UtcNow.AddSeconds(30));
        var missed = new[] { await NextChange(resumed), await NextChange(resumed) };
        Assert.Null((await NextChange(resumed)).Case); // caught up
        await worker.StartCaseAsync(new CaseActionRequest { CaseId = first.CaseId });
        var live = await NextChange(resumed);

        Assert.Equal(new[] { first.CaseId, second.CaseId }.Order(), missed.Select(m => m.Case.CaseId).Order());
        Assert.Equal(CaseState.Accepted, missed.Single(m => m.Case.CaseId == first.CaseId).Case.State);
        Assert.Equal((first.CaseId, CaseState.InProgress), (live.Case.CaseId, live.Case.State));
        await RpcAssert.Fails(StatusCode.PermissionDenied, async () =>
        {
            using var outside = worker.WatchUnitCases(new WatchUnitCasesRequest { UnitCode = "510104" }, deadline: DateTime.UtcNow.AddSeconds(30));
            await outside.ResponseStream.MoveNext();
        });
    }

    [Fact]
    public async Task Watches_follow_a_case_and_its_grid_into_their_next_activations_at_once()
    {
        var citizen = await Node.CasesAsCitizenAsync();
        var worker = await Node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var district = await Node.CasesAsStaffAsync(TestIdentity.DistrictHandlerMobile);
        var first = await citizen.SubmitAppealAsync(Appeal("noise", "楼下广场舞太吵", 30.59, 104.063));
        // Half of the renewal minute: only watching the next activations at once delivers within it.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var unitWatch = district.WatchUnitCases(new WatchUnitCasesRequest { UnitCode = "510104" }, cancellationToken: deadline.Token);
        using var caseWatch = citizen.WatchCase(new WatchCaseRequest { CaseId = first.CaseId }, cancellationToken: deadline.Token);
        Assert.Null((await NextChange(unitWatch)).Case);
        Assert.Equal(CaseState.Dispatched, (await Next(caseWatch)).State);

        // Both grains leave memory, as idle collection or shedding under memory pressure would make them.
        var grains = Node.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<Grains.Abstractions.Cases.IUnitCasesGrain>(first.GridCode).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await grains.GetGrain<Grains.Abstractions.Cases.ICaseGrain>(first.CaseId).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = first.CaseId });
        var second = await citizen.SubmitAppealAsync(Appeal("noise", "同一网格的第二件", 30.59, 104.063));

        var accepted = await Next(caseWatch);
        var changes = new[] { await NextChange(unitWatch), await NextChange(unitWatch) };
        Assert.Equal((first.CaseId, CaseState.Accepted), (accepted.CaseId, accepted.State));
        Assert.Equal(first.GridCode, second.GridCode);
        Assert.Equal([(first.CaseId, CaseState.Accepted), (second.CaseId, CaseState.Dispatched)], changes.Select(c => (c.Case.CaseId, c.Case.State)));
    }

    private static SubmitAppealRequest Appeal(string category, string description, double latitude, double longitude) => new()
    {
        RequestId = TestData.RequestId(),
        Category = category,
        Description = description,
        Location = new LatLng { Latitude = latitude, Longitude = longitude },
    };

    private static async Task<UnitCaseChange> NextChange(AsyncServerStreamingCall<UnitCaseChange> watch)
    {
        Assert.True(await watch.ResponseStream.MoveNext(), "The watch ended.");
        return watch.ResponseStream.Current;
    }

    private static async Task<Case> Next(AsyncServerStreamingCall<Case> watch)
    {
        Assert.True(await watch.ResponseStream.MoveNext(), "The watch ended.");
        return watch.ResponseStream.Current;
    }
}

using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

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

    private static async Task<Case> Next(AsyncServerStreamingCall<Case> watch)
    {
        Assert.True(await watch.ResponseStream.MoveNext(), "The watch ended.");
        return watch.ResponseStream.Current;
    }
}

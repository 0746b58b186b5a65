using Backbone.Grains.Cases;
using Backbone.Tests.Storage;
using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Tests.Hosting;

public sealed class DurabilityTests
{
    private static RegisterCitizenRequest NewRegistration(int i) => TestData.Registration("王小明", $"广东省深圳市南山区科技园{i}号");

    [Fact]
    public async Task A_citizen_registered_before_a_restart_reads_back_after_it()
    {
        var settings = NodeSettings.Fresh();
        Citizen registered;
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            registered = await node.Citizens.RegisterCitizenAsync(NewRegistration(0));
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var read = await restarted.Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });

        Assert.Equal(registered, read);
    }

    [Fact]
    public async Task Idempotency_and_the_one_per_id_number_rule_hold_across_a_restart()
    {
        var settings = NodeSettings.Fresh();
        var request = NewRegistration(1);
        Citizen registered;
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            registered = await node.Citizens.RegisterCitizenAsync(request);
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var retried = await restarted.Citizens.RegisterCitizenAsync(request);
        var again = NewRegistration(2);
        again.IdNumber = request.IdNumber;

        Assert.Equal(registered, retried);
        await RpcAssert.Fails(StatusCode.AlreadyExists, () => restarted.Citizens.RegisterCitizenAsync(again).ResponseAsync);
    }

    [Fact]
    public async Task A_citizen_with_more_cases_than_one_sealed_chunk_lists_each_once_newest_first_after_a_restart()
    {
        var settings = NodeSettings.Fresh();
        var submitted = new List<string>();
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            var citizen = await node.CasesAsCitizenAsync();
            var first = Appeal(0);
            for (var i = 0; i < 70; i++) // a chunk seals every 64
            {
                submitted.Add((await citizen.SubmitAppealAsync(i == 0 ? first : Appeal(i))).CaseId);
            }

            Assert.Equal(submitted[0], (await citizen.SubmitAppealAsync(first)).CaseId); // a late retry of a sealed one is not listed again
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var again = await restarted.CasesAsCitizenAsync();
        var listed = new List<string>();
        var token = string.Empty;
        do
        {
            var page = await again.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 30, PageToken = token });
            listed.AddRange(page.Cases.Select(c => c.CaseId));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        submitted.Reverse();
        Assert.Equal(submitted, listed);
    }

    [Fact]
    public async Task A_grids_cases_and_figures_come_back_whole_after_a_restart()
    {
        var settings = NodeSettings.Fresh();
        List<string> submitted;
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            // Fewer changes than fill the grid's log: its index is written whole only as the node stops.
            submitted = await SubmitAndAcceptTwo(
                await node.CasesAsCitizenAsync(), await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile), appeals: 27);
        }

        await AssertGridHolds(settings, submitted);
    }

    [Fact]
    public async Task A_grids_cases_and_figures_come_back_whole_after_kill_9_from_its_index_and_its_log()
    {
        var settings = NodeSettings.Fresh();
        List<string> submitted;
        using (var host = await HostProcess.StartAsync(settings))
        {
            using var identity = new IdentityClient(new Uri($"http://127.0.0.1:{settings.WebPort}/"));
            var citizen = new CaseService.CaseServiceClient(host.Channel.WithToken(await identity.CitizenTokenAsync("openid cases.submit")));
            var worker = new CaseService.CaseServiceClient(host.Channel.WithToken(await identity.StaffTokenAsync(TestIdentity.GridWorkerMobile, "openid cases.handle")));
            // More changes than the grid's log holds: its index is written whole once on the way (near the 256th),
            // and the rest (the later appeals, both acceptances) are only in its log's pages when the process dies.
            submitted = await SubmitAndAcceptTwo(citizen, worker, appeals: 300);
            await host.KillAsync();
        }

        await AssertGridHolds(settings, submitted);
    }

    [Fact]
    public async Task A_grid_an_earlier_build_left_with_changes_in_its_single_log_reads_them_and_drops_that_log()
    {
        var settings = NodeSettings.Fresh();
        List<string> submitted;
        await using (var node = await BackboneNode.StartAsync(settings))
        {
            submitted = await SubmitAndAcceptTwo(
                await node.CasesAsCitizenAsync(), await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile), appeals: 3);
        }

        // As an earlier build left a grid: the index without its last two changes (the acceptances), which are in its
        // single log, and no pages.
        var grid = GrainId.Create("unitcases", TestIdentity.GridWorkerUnit);
        using (var store = new SqliteStore(settings.DataDirectory))
        {
            var storage = store.GrainStorage();
            var index = new GrainState<GridCasesState>(new GridCasesState());
            var page = new GrainState<GridCaseChangesState>(new GridCaseChangesState());
            await storage.ReadStateAsync("grid-cases", grid, index);
            await storage.ReadStateAsync(GridCaseLog.PageName(0), grid, page);
            var changes = page.State!.Changes;
            Assert.Equal([1L, 2, 3, 4, 5], changes.Select(c => c.GridVersion));
            foreach (var submittedChange in changes.Take(3))
            {
                index.State!.Cases[submittedChange.CaseId] = (submittedChange.CaseVersion, submittedChange.Summary);
                index.State.ChangedAt[submittedChange.CaseId] = submittedChange.GridVersion;
            }

            index.State!.Version = 3;
            await storage.WriteStateAsync("grid-cases", grid, index);
            await storage.ClearStateAsync(GridCaseLog.PageName(0), grid, page);
            await storage.WriteStateAsync("grid-case-changes", grid, new GrainState<GridCaseChangesState>(new GridCaseChangesState { Changes = [.. changes.Skip(3)] }));
        }

        await AssertGridHolds(settings, submitted);

        // Its index was written whole as the node stopped, holding what the old log did: the old log is gone.
        using (var store = new SqliteStore(settings.DataDirectory))
        {
            var earlierLog = new GrainState<GridCaseChangesState>(new GridCaseChangesState());
            await store.GrainStorage().ReadStateAsync("grid-case-changes", grid, earlierLog);
            Assert.False(earlierLog.RecordExists);
        }
    }

    /// <summary>Appeals into one grid, then its worker accepts the oldest and one of the newest.</summary>
    private static async Task<List<string>> SubmitAndAcceptTwo(CaseService.CaseServiceClient citizen, CaseService.CaseServiceClient worker, int appeals)
    {
        var submitted = new List<string>();
        for (var i = 0; i < appeals; i++)
        {
            submitted.Add((await citizen.SubmitAppealAsync(Appeal(i))).CaseId);
        }

        foreach (var caseId in new[] { submitted[0], submitted[^2] })
        {
            await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = caseId, Note = "已签收" });
        }

        return submitted;
    }

    private static async Task AssertGridHolds(NodeSettings settings, List<string> submitted)
    {
        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var worker = await restarted.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var listed = new List<string>();
        var request = new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, PageSize = 100 };
        do
        {
            var page = await worker.ListCasesAsync(request);
            listed.AddRange(page.Cases.Select(c => c.CaseId));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        var accepted = await worker.ListCasesAsync(new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, State = CaseState.Accepted });
        var stats = await worker.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = TestIdentity.GridWorkerUnit });

        Assert.Equal(submitted.AsEnumerable().Reverse(), listed);
        Assert.Equal([submitted[^2], submitted[0]], accepted.Cases.Select(c => c.CaseId));
        Assert.Equal((submitted.Count, 2), (stats.Received, stats.Accepted));
    }

    private static SubmitAppealRequest Appeal(int i) => new()
    {
        RequestId = TestData.RequestId(),
        Category = "noise",
        Description = $"夜间施工噪音第{i}次反映 (night works, report {i})",
        Location = new LatLng { Latitude = 30.59, Longitude = 104.063 },
    };

    [Fact]
    public async Task Every_acknowledged_registration_survives_kill_9_of_the_host()
    {
        var settings = NodeSettings.Fresh();
        var acknowledged = new List<Citizen>();

        using (var host = await HostProcess.StartAsync(settings))
        {
            var channel = host.Channel;
            using var identity = new IdentityClient(new Uri($"http://127.0.0.1:{settings.WebPort}/"));
            var citizens = new CitizenService.CitizenServiceClient(channel.WithToken(await identity.PartnerTokenAsync()));

            // Registrations in flight when the process dies: only the answered ones are promised.
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(async _ =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var citizen = await citizens.RegisterCitizenAsync(NewRegistration(i));
                        lock (acknowledged)
                        {
                            acknowledged.Add(citizen);
                        }
                    }
                    catch (RpcException)
                    {
                        return; // the host is gone
                    }
                }
            }).ToList();

            while (CountOf(acknowledged) < 50)
            {
                Assert.False(writers.All(w => w.IsCompleted), "Every writer stopped before 50 registrations were acknowledged.");
                await Task.Delay(20);
            }

            await host.KillAsync();
            stop.Cancel();
            await Task.WhenAll(writers);
        }

        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        foreach (var citizen in acknowledged)
        {
            Assert.Equal(citizen, await restarted.Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = citizen.CitizenId }));
        }
    }

    private static int CountOf(List<Citizen> acknowledged)
    {
        lock (acknowledged)
        {
            return acknowledged.Count;
        }
    }
}

using Backbone.Grains.Abstractions.Cases;
using Backbone.Tests.Support;
using Backbone.V1;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using CaseState = Backbone.V1.CaseState;

namespace Backbone.Tests.Cases;

/// <summary>
/// A grid over the years: its closed cases leave its index for archived chunks, and its staff still count,
/// list and watch them as before. Its own node, archiving 4 at a time as soon as they close.
/// </summary>
public sealed class CaseArchiveTests
{
    private static readonly LatLng InFirstGrid = new() { Latitude = 30.59, Longitude = 104.063 };

    [Fact]
    public async Task Closed_cases_leave_the_grid_index_for_archived_chunks_and_are_still_counted_listed_and_watched()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with
        {
            ExtraArgs = ["--Backbone:Cases:ArchiveChunkSize=4", "--Backbone:Cases:ArchiveAfter=00:00:00"],
        });
        var citizen = await node.CasesAsCitizenAsync();
        var worker = await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var dispatcher = await node.CasesAsStaffAsync(TestIdentity.CityAdminMobile);
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var grid = grains.GetGrain<IUnitCasesGrain>(TestIdentity.GridWorkerUnit);

        var primary = await Submit(citizen, "春熙路酒吧噪音 bar noise");
        var duplicates = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            duplicates.Add(await Submit(citizen, $"第{i}次投诉 complaint {i}"));
        }

        // The first duplicate is being co-handled when it is merged: releasing the co-handler later changes it again.
        await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = duplicates[0] });
        await worker.InviteCoHandlerAsync(new CoHandlerRequest { CaseId = duplicates[0], UnitCode = "510104001002", Note = "请和平社区协查" });
        foreach (var duplicate in duplicates)
        {
            await dispatcher.MergeCasesAsync(new MergeCasesRequest { PrimaryCaseId = primary, DuplicateCaseId = duplicate, Note = "同一酒吧 same bar" });
        }

        var firstChunk = await grains.GetGrain<IGridCasesChunkGrain>($"{TestIdentity.GridWorkerUnit}/0").Get();
        var secondChunk = await grains.GetGrain<IGridCasesChunkGrain>($"{TestIdentity.GridWorkerUnit}/1").Get();
        var all = new[] { primary }.Concat(duplicates).Reverse().ToList(); // newest first
        var stats = await worker.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = TestIdentity.GridWorkerUnit });
        var listed = await ListAll(worker, new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, PageSize = 3 });
        var closed = await ListAll(worker, new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, State = CaseState.Closed, PageSize = 5 });
        var open = await ListAll(worker, new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, State = CaseState.Dispatched });

        // Archived: the eight oldest closed cases, in two chunks of four, oldest first; the ninth waits for three more.
        Assert.Equal(duplicates.Take(4), firstChunk.Select(c => c.CaseId));
        Assert.Equal(duplicates.Skip(4).Take(4), secondChunk.Select(c => c.CaseId));
        Assert.All(firstChunk.Concat(secondChunk), c => Assert.Equal(Grains.Abstractions.Cases.CaseState.Closed, c.Summary.State));
        // Counted, and listed newest first, each once, as before.
        Assert.Equal((10, 9, 1), (stats.Received, stats.ByState["CASE_STATE_CLOSED"], stats.ByState["CASE_STATE_DISPATCHED"]));
        Assert.Equal(all, listed);
        Assert.Equal(all.SkipLast(1), closed);
        Assert.Equal([primary], open);

        // An archived case that changes again comes back into the index: still counted once, listed once.
        var released = await worker.ReleaseCoHandlerAsync(new CoHandlerRequest { CaseId = duplicates[0], UnitCode = "510104001002", Note = "无需协查" });
        var afterRelease = await worker.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = TestIdentity.GridWorkerUnit });
        var relisted = await ListAll(worker, new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, PageSize = 4 });
        Assert.Equal(CaseState.Closed, released.State);
        Assert.Equal((10, 9), (afterRelease.Received, afterRelease.ByState["CASE_STATE_CLOSED"]));
        Assert.Equal(all, relisted);

        // The grid read back from storage counts and lists the same, and a watcher that was away since the start
        // catches up on every case, archived ones included, each once.
        await grid.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var reread = await worker.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = TestIdentity.GridWorkerUnit });
        var rereadList = await ListAll(worker, new ListCasesRequest { UnitCode = TestIdentity.GridWorkerUnit, PageSize = 10 });
        var watcher = grains.CreateObjectReference<IGridCasesWatcher>(new GridWatcher());
        var missed = await grid.Watch(watcher, sinceVersion: 0);
        await grid.Unwatch(watcher);
        Assert.Equal((10, 9, 1), (reread.Received, reread.ByState["CASE_STATE_CLOSED"], reread.ByState["CASE_STATE_DISPATCHED"]));
        Assert.Equal(all, rereadList);
        Assert.Equal(all.Order(), missed.Changed.Select(c => c.CaseId).Order());
        Assert.Equal(duplicates[0], missed.Changed[^1].CaseId); // the latest change: the co-handler's release
    }

    [Fact]
    public async Task Closed_cases_wait_in_the_index_until_their_time_and_are_archived_by_the_first_change_after_it()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with
        {
            ExtraArgs = ["--Backbone:Cases:ArchiveChunkSize=4", "--Backbone:Cases:ArchiveAfter=00:00:03"],
        });
        var citizen = await node.CasesAsCitizenAsync();
        var dispatcher = await node.CasesAsStaffAsync(TestIdentity.CityAdminMobile);
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var firstChunk = grains.GetGrain<IGridCasesChunkGrain>($"{TestIdentity.GridWorkerUnit}/0");

        var primary = await Submit(citizen, "夜市油烟 night market smoke");
        var duplicates = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            duplicates.Add(await Submit(citizen, $"油烟第{i}次 smoke again {i}"));
            await dispatcher.MergeCasesAsync(new MergeCasesRequest { PrimaryCaseId = primary, DuplicateCaseId = duplicates[^1], Note = "同一夜市 same market" });
        }

        // A chunk's worth closed, but not yet for long enough: a change now archives nothing.
        await Submit(citizen, "另一件事 something else");
        Assert.Empty(await firstChunk.Get());

        // Once they have waited, the next change archives them, oldest first.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await Submit(citizen, "又一件事 one more thing");
        Assert.Equal(duplicates, (await firstChunk.Get()).Select(c => c.CaseId));
    }

    private static async Task<List<string>> ListAll(CaseService.CaseServiceClient staff, ListCasesRequest request)
    {
        var all = new List<string>();
        do
        {
            var page = await staff.ListCasesAsync(request);
            all.AddRange(page.Cases.Select(c => c.CaseId));
            request = request.Clone();
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return all;
    }

    private static async Task<string> Submit(CaseService.CaseServiceClient citizen, string description) =>
        (await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = description,
            Location = InFirstGrid,
        })).CaseId;

    private sealed class GridWatcher : IGridCasesWatcher
    {
        public void CaseChanged(string gridCode, long gridVersion, string caseId)
        {
        }

        public void Dropped(string grainKey)
        {
        }
    }
}

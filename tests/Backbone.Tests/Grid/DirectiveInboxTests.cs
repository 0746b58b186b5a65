using Backbone.Grains.Abstractions.Grid;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using DirectiveReceipt = Backbone.V1.DirectiveReceipt;

namespace Backbone.Tests.Grid;

/// <summary>
/// A unit's inbox over the years: settled directives leave it for sealed chunks, and the unit's staff still
/// list, acknowledge and see them counted as before. Its own node, sealing 4 at a time 1 s after the deadline.
/// </summary>
public sealed class DirectiveInboxTests
{
    [Fact]
    public async Task Settled_directives_leave_the_inbox_for_sealed_chunks_and_are_still_listed_acknowledged_and_counted()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with
        {
            ExtraArgs = ["--Backbone:Grid:InboxChunkSize=4", "--Backbone:Grid:InboxSealAfter=00:00:01"],
        });
        var district = await Staff(node, TestIdentity.DistrictHandlerMobile);
        var community = await Staff(node, TestIdentity.CommunityWorkerMobile);
        var grains = node.Services.GetRequiredService<IGrainFactory>();

        var inbox = grains.GetGrain<IUnitDirectivesGrain>(TestIdentity.CommunityUnit);
        var watcher = grains.CreateObjectReference<IUnitDirectivesWatcher>(new InboxWatcher());
        var before = await inbox.Watch(watcher, after: null);
        await inbox.Unwatch(watcher); // away from here on: what it missed comes back when it watches again

        var deadline = DateTimeOffset.UtcNow.AddSeconds(8); // room to issue nine on a busy machine
        var old = new List<Directive>();
        for (var i = 0; i < 9; i++)
        {
            old.Add(await district.IssueDirectiveAsync(Directive($"第{i}号通知 notice {i}", deadline)));
        }

        await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = old[0].DirectiveId });
        await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = old[1].DirectiveId });
        await Task.Delay(deadline.AddSeconds(1.5) - DateTimeOffset.UtcNow); // all nine settled
        var latest = await district.IssueDirectiveAsync(Directive("第9号通知 notice 9", DateTimeOffset.UtcNow.AddHours(2))); // the change that seals them
        var firstChunk = await grains.GetGrain<IUnitDirectivesChunkGrain>($"{TestIdentity.CommunityUnit}/0").Get();
        var secondChunk = await grains.GetGrain<IUnitDirectivesChunkGrain>($"{TestIdentity.CommunityUnit}/1").Get();

        var listed = await ListAll(community, pageSize: 3);

        // Sealed: the eight oldest, in two chunks of four, oldest first.
        Assert.Equal(old.Take(4).Select(d => d.DirectiveId), firstChunk.Select(r => r.DirectiveId));
        Assert.Equal(old.Skip(4).Take(4).Select(d => d.DirectiveId), secondChunk.Select(r => r.DirectiveId));
        // Listed as before, newest first, each once, a page of three at a time.
        Assert.Equal([latest.DirectiveId, .. old.Select(d => d.DirectiveId).Reverse()], listed.Select(r => r.Directive.DirectiveId));
        Assert.Equal("第0号通知 notice 0", listed[^1].Directive.Title);
        Assert.Equal([old[1].DirectiveId, old[0].DirectiveId], listed.Where(r => r.Acknowledged).Select(r => r.Directive.DirectiveId));

        // A sealed directive acknowledged late comes back into the inbox: acknowledged once, listed once.
        var late = await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = old[5].DirectiveId });
        var twice = await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = old[5].DirectiveId }).ResponseAsync);
        var sealedTwice = await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = old[0].DirectiveId }).ResponseAsync);
        var relisted = await ListAll(community, pageSize: 4);
        var missed = await inbox.Watch(watcher, before.Version);
        await inbox.Unwatch(watcher);

        Assert.True(late.Acknowledged);
        Assert.Contains("already acknowledged", twice.Status.Detail);
        Assert.Contains("already acknowledged", sealedTwice.Status.Detail);
        Assert.Equal(listed.Select(r => r.Directive.DirectiveId), relisted.Select(r => r.Directive.DirectiveId));
        Assert.Equal([old[5].DirectiveId, old[1].DirectiveId, old[0].DirectiveId], relisted.Where(r => r.Acknowledged).Select(r => r.Directive.DirectiveId));
        // A watcher that was away catches up on every change since, sealed receipts included, each in its latest state once.
        Assert.Equal(listed.Select(r => r.Directive.DirectiveId).Order(), missed.Changed.Select(r => r.DirectiveId).Order());
        Assert.Equal(new[] { old[0], old[1], old[5] }.Select(d => d.DirectiveId).Order(), missed.Changed.Where(r => r.Ack is not null).Select(r => r.DirectiveId).Order());

        // The directives, woken again, count what the community did: before the deadline (kept by the directive),
        // late (asked of the inbox), and nothing (asked of the sealed chunk).
        foreach (var directive in new[] { old[0], old[5], old[2] })
        {
            await grains.GetGrain<IDirectiveGrain>(directive.DirectiveId).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        }

        var coverage = await Task.WhenAll(new[] { old[0], old[5], old[2] }.Select(async d =>
            (await district.GetDirectiveAsync(new GetDirectiveRequest { DirectiveId = d.DirectiveId })).SilentUnitCodes.Contains(TestIdentity.CommunityUnit)));
        Assert.Equal([false, false, true], coverage);
    }

    private static async Task<List<DirectiveReceipt>> ListAll(GridService.GridServiceClient staff, int pageSize)
    {
        var all = new List<DirectiveReceipt>();
        var token = string.Empty;
        do
        {
            var page = await staff.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = TestIdentity.CommunityUnit, PageSize = pageSize, PageToken = token });
            Assert.InRange(page.Directives.Count, 1, pageSize);
            all.AddRange(page.Directives);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return all;
    }

    private static IssueDirectiveRequest Directive(string title, DateTimeOffset deadline) => new()
    {
        RequestId = TestData.RequestId(),
        FromUnitCode = "510104",
        Title = title,
        Body = "请各社区收到后立即确认。Please acknowledge on receipt.",
        AckDeadline = Timestamp.FromDateTimeOffset(deadline),
    };

    private static async Task<GridService.GridServiceClient> Staff(BackboneNode node, string mobile) =>
        new(node.Channel.WithToken(await node.Identity.StaffTokenAsync(mobile, "openid cases.handle")));
}

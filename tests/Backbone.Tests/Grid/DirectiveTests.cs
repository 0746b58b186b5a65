using Backbone.Grains.Grid;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;

namespace Backbone.Tests.Grid;

/// <summary>Four-level directives: fan-out down the tree, acknowledgements per level, escalation of silent units, coverage streamed.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class DirectiveTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task A_district_directive_reaches_exactly_its_streets_and_communities()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var cityAdmin = await Grid(TestIdentity.CityAdminMobile);
        var seed = Node.Services.GetRequiredService<GridSeed>();
        var streets = seed.ChildrenOf("510104");
        var communities = streets.SelectMany(seed.ChildrenOf).ToList();

        var issued = await district.IssueDirectiveAsync(Directive("510104", "暴雨红色预警：立即排查地下车库和低洼点位"));
        var community = await cityAdmin.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = communities[^1] });
        var grid = await cityAdmin.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = seed.ChildrenOf(communities[0])[0] });
        var otherDistrict = await cityAdmin.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = "510105001001" });

        Assert.Equal(
            [(UnitLevel.Street, 0, streets.Count), (UnitLevel.Community, 0, communities.Count)],
            issued.Levels.Select(l => (l.Level, l.Acknowledged, l.Total)));
        Assert.Equal([.. streets.Concat(communities).Order(StringComparer.Ordinal)], issued.SilentUnitCodes.Order(StringComparer.Ordinal));
        Assert.Contains(community.Directives, d => d.Directive.DirectiveId == issued.DirectiveId && d.Directive.Title.StartsWith("暴雨", StringComparison.Ordinal));
        Assert.DoesNotContain(grid.Directives, d => d.Directive.DirectiveId == issued.DirectiveId); // not include_grids
        Assert.DoesNotContain(otherDistrict.Directives, d => d.Directive.DirectiveId == issued.DirectiveId);
    }

    [Fact]
    public async Task Every_units_inbox_is_active_soon_after_start_so_a_directive_never_waits_on_storage()
    {
        var seed = Node.Services.GetRequiredService<GridSeed>();
        var management = Node.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);

        var active = await Eventually.Get(async () =>
        {
            var statistics = await management.GetSimpleGrainStatistics();
            var inboxes = statistics.Where(s => s.GrainType.Contains(nameof(UnitDirectivesGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
            return inboxes >= seed.Count - 1 ? (object)inboxes : null;
        }, "The directive inboxes were never all active.");
        var unknown = await RpcAssert.Fails(StatusCode.NotFound, async () => await (await Grid(TestIdentity.CityAdminMobile))
            .ListDirectivesAsync(new ListDirectivesRequest { UnitCode = "510104099099" }));

        Assert.Equal(seed.Count - 1, (int)active); // every unit below the city, and none for a code that is no unit
        Assert.Contains("510104099099", unknown.Status.Detail);
    }

    [Fact]
    public async Task Acknowledgements_count_once_per_unit_and_level_and_only_for_units_that_received_it()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var street = await Grid(TestIdentity.StreetHandlerMobile);
        var community = await Grid(TestIdentity.CommunityWorkerMobile);
        var gridWorker = await Grid(TestIdentity.GridWorkerMobile);
        var issued = await district.IssueDirectiveAsync(Directive("510104", "Check every fire exit before Friday"));
        var ack = new AcknowledgeDirectiveRequest { DirectiveId = issued.DirectiveId };

        var communityReceipt = await community.AcknowledgeDirectiveAsync(ack);
        await street.AcknowledgeDirectiveAsync(ack);
        var twice = await RpcAssert.Fails(StatusCode.FailedPrecondition, () => community.AcknowledgeDirectiveAsync(ack).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => gridWorker.AcknowledgeDirectiveAsync(ack).ResponseAsync); // grids did not receive it
        var coverage = await district.GetDirectiveAsync(new GetDirectiveRequest { DirectiveId = issued.DirectiveId });

        Assert.Equal((TestIdentity.CommunityUnit, true), (communityReceipt.UnitCode, communityReceipt.Acknowledged));
        Assert.Contains("already acknowledged", twice.Status.Detail);
        Assert.Equal([1, 1], coverage.Levels.Select(l => l.Acknowledged));
        Assert.DoesNotContain(TestIdentity.CommunityUnit, coverage.SilentUnitCodes);
        Assert.DoesNotContain(TestIdentity.StreetUnit, coverage.SilentUnitCodes);
        Assert.Null(coverage.FullCoverageTime);
    }

    [Fact]
    public async Task Units_silent_at_the_deadline_are_escalated_to_their_parent()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var street = await Grid(TestIdentity.StreetHandlerMobile);
        var issued = await district.IssueDirectiveAsync(Directive("510104", "今晚22点前上报独居老人走访情况", deadline: TimeSpan.FromSeconds(2)));
        await street.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = issued.DirectiveId });

        var escalated = await Eventually.Get(async () =>
        {
            var now = await district.GetDirectiveAsync(new GetDirectiveRequest { DirectiveId = issued.DirectiveId });
            return now.EscalatedUnitCodes.Count > 0 ? now : null;
        }, "Silent units were never escalated.");
        var streetInbox = await street.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = TestIdentity.StreetUnit });

        Assert.Equal(escalated.SilentUnitCodes.Order(StringComparer.Ordinal), escalated.EscalatedUnitCodes.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(TestIdentity.StreetUnit, escalated.EscalatedUnitCodes);
        Assert.Contains(TestIdentity.CommunityUnit, escalated.EscalatedUnitCodes);
        var receipt = streetInbox.Directives.Single(d => d.Directive.DirectiveId == issued.DirectiveId);
        Assert.Contains(TestIdentity.CommunityUnit, receipt.SilentChildUnitCodes); // its silent community was escalated to it
        Assert.All(receipt.SilentChildUnitCodes, c => Assert.StartsWith(TestIdentity.StreetUnit, c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_issuer_watches_coverage_rise_as_units_acknowledge()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var community = await Grid(TestIdentity.CommunityWorkerMobile);
        var issued = await district.IssueDirectiveAsync(Directive("510104", "防汛值守到岗确认"));
        using var watch = district.WatchDirective(new GetDirectiveRequest { DirectiveId = issued.DirectiveId });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var before = watch.ResponseStream.Current;
        await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = issued.DirectiveId });
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var after = watch.ResponseStream.Current;

        Assert.Equal(0, before.Levels.Sum(l => l.Acknowledged));
        Assert.Equal(1, after.Levels.Single(l => l.Level == UnitLevel.Community).Acknowledged);
    }

    [Fact]
    public async Task A_coverage_watch_follows_the_directive_into_its_next_activation_at_once()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var community = await Grid(TestIdentity.CommunityWorkerMobile);
        var issued = await district.IssueDirectiveAsync(Directive("510104", "高温时段户外作业调整"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // half the renewal minute
        using var watch = district.WatchDirective(new GetDirectiveRequest { DirectiveId = issued.DirectiveId }, cancellationToken: timeout.Token);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));

        await Node.Services.GetRequiredService<IGrainFactory>().GetGrain<Grains.Abstractions.Grid.IDirectiveGrain>(issued.DirectiveId)
            .Cast<IGrainManagementExtension>().DeactivateOnIdle(); // as idle collection or shedding would
        await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = issued.DirectiveId });
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));

        Assert.Equal(1, watch.ResponseStream.Current.Levels.Single(l => l.Level == UnitLevel.Community).Acknowledged);
    }

    [Fact]
    public async Task A_communitys_staff_watch_directives_arrive_and_their_acknowledgement_recorded()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var community = await Grid(TestIdentity.CommunityWorkerMobile);
        using var watch = community.WatchDirectives(new WatchDirectivesRequest { UnitCode = TestIdentity.CommunityUnit });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Null(watch.ResponseStream.Current.Directive); // live: subscribed before the directive is issued

        var issued = await district.IssueDirectiveAsync(Directive("510104", "社区核酸采样点今晚开放"));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var arrived = watch.ResponseStream.Current;
        await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = issued.DirectiveId });
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var acknowledged = watch.ResponseStream.Current;

        Assert.Equal((issued.DirectiveId, false), (arrived.Directive!.DirectiveId, arrived.Acknowledged));
        Assert.Equal((issued.DirectiveId, true), (acknowledged.Directive!.DirectiveId, acknowledged.Acknowledged));
        await RpcAssert.Fails(Grpc.Core.StatusCode.PermissionDenied, async () =>
        {
            using var other = community.WatchDirectives(new WatchDirectivesRequest { UnitCode = "510104002001" });
            await other.ResponseStream.MoveNext(timeout.Token);
        });
    }

    [Fact]
    public async Task An_inbox_watch_catches_up_on_an_acknowledgement_made_while_the_inbox_changed_activation()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var community = await Grid(TestIdentity.CommunityWorkerMobile);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // half the renewal minute
        using var watch = community.WatchDirectives(new WatchDirectivesRequest { UnitCode = TestIdentity.CommunityUnit }, cancellationToken: timeout.Token);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var issued = await district.IssueDirectiveAsync(Directive("510104", "燃气安全入户检查"));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));

        // The inbox leaves memory with the acknowledgement queued behind its leaving, so the acknowledgement
        // wakes its next activation before the stream's watcher, told of the leaving, can subscribe to it again:
        // only the stream's catch-up on subscribing can deliver it.
        var inbox = Node.Services.GetRequiredService<IGrainFactory>().GetGrain<Grains.Abstractions.Grid.IUnitDirectivesGrain>(TestIdentity.CommunityUnit);
        var leaving = inbox.Cast<IGrainManagementExtension>().DeactivateOnIdle().AsTask();
        var acknowledging = inbox.Acknowledge(issued.DirectiveId, "community worker");
        await Task.WhenAll(leaving, acknowledging);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        var acknowledged = watch.ResponseStream.Current;

        Assert.Equal((issued.DirectiveId, true), (acknowledged.Directive!.DirectiveId, acknowledged.Acknowledged));
    }

    [Fact]
    public async Task Watching_an_inbox_again_returns_just_what_changed_since_the_version_the_watcher_had()
    {
        var grains = Node.Services.GetRequiredService<IGrainFactory>();
        var inbox = grains.GetGrain<Grains.Abstractions.Grid.IUnitDirectivesGrain>(TestIdentity.StreetUnit);
        var away = new InboxWatcher();
        var watcher = grains.CreateObjectReference<Grains.Abstractions.Grid.IUnitDirectivesWatcher>(away);
        try
        {
            var start = await inbox.Watch(watcher, after: null);
            await inbox.Unwatch(watcher); // away: nothing reaches it now
            var issued = await (await Grid(TestIdentity.DistrictHandlerMobile)).IssueDirectiveAsync(Directive("510104", "Street lights out on the ring road"));
            await (await Grid(TestIdentity.StreetHandlerMobile)).AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = issued.DirectiveId });

            var back = await inbox.Watch(watcher, start.Version);
            var again = await inbox.Watch(watcher, back.Version);

            // (Other tests' directives may change this inbox meanwhile, as their deadlines pass.)
            Assert.Empty(start.Changed);
            Assert.DoesNotContain(away.Received, r => r.DirectiveId == issued.DirectiveId);
            var caughtUp = Assert.Single(back.Changed, r => r.DirectiveId == issued.DirectiveId); // received, then acknowledged: its latest state, once
            Assert.NotNull(caughtUp.Ack);
            Assert.True(back.Version >= start.Version + 2);
            Assert.DoesNotContain(again.Changed, r => r.DirectiveId == issued.DirectiveId);
        }
        finally
        {
            await inbox.Unwatch(watcher);
            grains.DeleteObjectReference<Grains.Abstractions.Grid.IUnitDirectivesWatcher>(watcher);
        }
    }

    [Fact]
    public async Task Issuing_again_with_the_same_request_id_returns_the_first_directive()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var request = Directive("510104", "寒潮预警：检查独居老人取暖");

        var first = await district.IssueDirectiveAsync(request);
        var again = await district.IssueDirectiveAsync(request);
        var community = await Grid(TestIdentity.CommunityWorkerMobile);
        var inbox = await community.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = TestIdentity.CommunityUnit });

        Assert.Equal(first.DirectiveId, again.DirectiveId);
        Assert.Single(inbox.Directives, d => d.Directive.Title == "寒潮预警：检查独居老人取暖");
    }

    [Fact]
    public async Task A_listing_page_size_out_of_range_and_a_token_it_never_gave_are_refused()
    {
        var community = await Grid(TestIdentity.CommunityWorkerMobile);

        var bad = await RpcAssert.Fails(StatusCode.InvalidArgument, () => community.ListDirectivesAsync(new ListDirectivesRequest
        {
            UnitCode = TestIdentity.CommunityUnit,
            PageSize = 101,
            PageToken = "not-a-token",
        }).ResponseAsync);

        Assert.Equal(["page_size", "page_token"], RpcAssert.ViolatedFields(bad));
    }

    [Fact]
    public async Task Empty_text_a_past_deadline_and_a_unit_that_may_not_issue_are_refused()
    {
        var district = await Grid(TestIdentity.DistrictHandlerMobile);
        var street = await Grid(TestIdentity.StreetHandlerMobile);

        var bad = await RpcAssert.Fails(StatusCode.InvalidArgument, () => district.IssueDirectiveAsync(new IssueDirectiveRequest
        {
            FromUnitCode = "510104001",
            Title = " ",
            Body = string.Empty,
            AckDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
        }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => street.IssueDirectiveAsync(Directive("510104", "越级下发")).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => district.IssueDirectiveAsync(Directive("510105", "跨区下发")).ResponseAsync);

        Assert.Equal(["request_id", "from_unit_code", "title", "body", "ack_deadline"], RpcAssert.ViolatedFields(bad));
    }

    private static IssueDirectiveRequest Directive(string from, string title, TimeSpan? deadline = null) => new()
    {
        RequestId = TestData.RequestId(),
        FromUnitCode = from,
        Title = title,
        Body = "请各单位收到后立即确认，并按要求落实。Please acknowledge on receipt.",
        AckDeadline = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + (deadline ?? TimeSpan.FromHours(2))),
    };

    private async Task<GridService.GridServiceClient> Grid(string mobile) =>
        new(Node.Channel.WithToken(await Node.Identity.StaffTokenAsync(mobile, "openid cases.handle")));
}

/// <summary>An inbox watcher held by a test: what the inbox pushed to it.</summary>
internal sealed class InboxWatcher : Grains.Abstractions.Grid.IUnitDirectivesWatcher
{
    public List<Grains.Abstractions.Grid.DirectiveReceipt> Received { get; } = [];

    public void ReceiptChanged(Grains.Abstractions.Grid.DirectiveReceipt receipt) => Received.Add(receipt);

    public void Dropped(string grainKey)
    {
    }
}

using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;
using Microsoft.Data.Sqlite;

namespace Backbone.Tests.Cases;

/// <summary>Late work climbs the levels on its own (Orleans reminders), also across a restart.</summary>
public sealed class DeadlineTests
{
    private static readonly LatLng InFirstGrid = new() { Latitude = 30.59, Longitude = 104.063 };

    [Fact]
    public async Task An_unaccepted_case_climbs_to_the_parent_unit_and_an_unresolved_one_becomes_overdue()
    {
        await using var node = await BackboneNode.StartAsync();
        var citizen = await node.CasesAsCitizenAsync();
        var gridWorker = await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var district = await node.CasesAsStaffAsync(TestIdentity.DistrictHandlerMobile);
        var submitted = await citizen.SubmitAppealAsync(UrgentAppeal());

        var escalated = await Eventually(citizen, submitted.CaseId, c => c.EscalationCount >= 1);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => gridWorker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId }).ResponseAsync);
        await district.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        var overdue = await Eventually(citizen, submitted.CaseId, c => c.Overdue);
        var ofGrid = await district.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = TestIdentity.GridWorkerUnit });
        var ofItsStreet = await district.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = "510104001" });
        var ofOtherStreet = await district.GetUnitStatsAsync(new GetUnitStatsRequest { UnitCode = "510104002" });

        Assert.Equal(TestIdentity.GridWorkerUnit, submitted.UnitCode);
        var climb = escalated.History.First(e => e.Action == "escalate");
        Assert.Equal(("system", "510104001001"), (climb.Actor, climb.UnitCode)); // grid → its community
        Assert.Contains(TestIdentity.GridWorkerUnit, climb.Note); // the late unit is named
        Assert.Equal(CaseState.Accepted, overdue.State);
        Assert.Contains(overdue.History, e => e.Action == "overdue");
        Assert.Equal(1, ofGrid.EscalationsCaused); // counted against the grid that let it climb
        Assert.Equal((1, 1), (ofGrid.Overdue, ofGrid.Received));
        Assert.Equal(1, ofItsStreet.EscalationsCaused); // the grid is in the street
        Assert.Equal(0, ofOtherStreet.EscalationsCaused);
    }

    [Fact]
    public async Task A_reply_nobody_rates_in_time_closes_the_case()
    {
        await using var node = await BackboneNode.StartAsync();
        var citizen = await node.CasesAsCitizenAsync();
        var worker = await node.CasesAsStaffAsync(TestIdentity.GridWorkerMobile);
        var submitted = await citizen.SubmitAppealAsync(UrgentAppeal());
        await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        await worker.StartCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        await worker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "井盖已补装" });

        var closed = await Eventually(citizen, submitted.CaseId, c => c.State == CaseState.Closed);

        Assert.Equal(Rating.Unspecified, closed.Rating);
        Assert.Equal(("close", "system"), (closed.History[^1].Action, closed.History[^1].Actor));
    }

    [Fact]
    public async Task A_deadline_that_passes_while_the_host_is_down_is_kept_after_the_restart()
    {
        var (settings, caseId) = await SubmitOnANodeThatStops();

        await Task.Delay(TimeSpan.FromSeconds(4)); // the 3-second accept deadline passes with no host running
        await using var restarted = await BackboneNode.StartAsync(settings.WithNewPorts());
        var escalated = await Eventually(await restarted.CasesAsCitizenAsync(), caseId, c => c.EscalationCount >= 1);

        Assert.Equal("510104001001", escalated.History.First(e => e.Action == "escalate").UnitCode);
    }

    [Fact]
    public async Task A_reminder_an_earlier_build_set_on_the_case_still_fires_and_its_grid_takes_over()
    {
        var (settings, caseId) = await SubmitOnANodeThatStops();

        // What an earlier build stored: the deadline's reminder on the case itself, and a grid index that knows no deadlines.
        var databaseFile = Path.Combine(settings.DataDirectory, "backbone.db");
        Execute(databaseFile, $"""
            UPDATE reminders SET grain_id = 'case/{caseId}', reminder_name = 'deadline' WHERE grain_id LIKE 'unitcases/%';
            DELETE FROM grain_state WHERE grain_id LIKE 'unitcases/%';
            """);
        Assert.Equal(1L, Count(databaseFile, $"SELECT COUNT(*) FROM reminders WHERE grain_id = 'case/{caseId}'"));

        await using (var restarted = await BackboneNode.StartAsync(settings.WithNewPorts()))
        {
            // The case's reminder climbs it once; the second climb, 3 s later, is its grid's.
            var climbed = await Eventually(await restarted.CasesAsCitizenAsync(), caseId, c => c.EscalationCount >= 2);
            Assert.Equal(["510104001001", "510104001"], climbed.History.Where(e => e.Action == "escalate").Select(e => e.UnitCode).Take(2));
        }

        Assert.Equal(0L, Count(databaseFile, $"SELECT COUNT(*) FROM reminders WHERE grain_id = 'case/{caseId}'"));
        Assert.Equal(1L, Count(databaseFile, $"SELECT COUNT(*) FROM reminders WHERE grain_id = 'unitcases/{TestIdentity.GridWorkerUnit}'"));
    }

    [Fact]
    public async Task A_deadline_right_after_another_is_kept_on_time_however_long_the_check_period()
    {
        // A district-level category, due in 3 s: its case climbs to the city, where no deadline follows.
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with
        {
            ExtraArgs =
            [
                "--Backbone:Cases:DeadlineCheckPeriod=00:00:30",
                "--Backbone:Cases:Categories:98:Kind=Appeal",
                "--Backbone:Cases:Categories:98:Code=test.district",
                "--Backbone:Cases:Categories:98:Name=测试区级急件",
                "--Backbone:Cases:Categories:98:Level=District",
                "--Backbone:Cases:Categories:98:AcceptWithin=00:00:03",
                "--Backbone:Cases:Categories:98:ResolveWithin=00:00:03",
                "--Backbone:Cases:Categories:98:RateWithin=00:00:03",
            ],
        });
        var citizen = await node.CasesAsCitizenAsync();
        var first = await citizen.SubmitAppealAsync(new SubmitAppealRequest(UrgentAppeal()) { Category = "test.district" });
        await Task.Delay(TimeSpan.FromSeconds(1));
        var second = await citizen.SubmitAppealAsync(UrgentAppeal()); // due a second after the first, in the same grid

        // The grid's reminder fires for the first; the second's deadline comes before the first answers or a period passes.
        var climbed = await Eventually(citizen, second.CaseId, c => c.EscalationCount >= 1, within: TimeSpan.FromSeconds(15));
        var atTheCity = await Eventually(citizen, first.CaseId, c => c.EscalationCount >= 1);

        Assert.Equal("510104001001", climbed.UnitCode);
        Assert.Equal("5101", atTheCity.UnitCode);
    }

    /// <summary>An urgent appeal submitted on a node that then stops; its data directory and a fixed issuer, for a restart.</summary>
    private static async Task<(NodeSettings Settings, string CaseId)> SubmitOnANodeThatStops()
    {
        var fresh = NodeSettings.Fresh();
        var settings = fresh with { Issuer = $"http://127.0.0.1:{fresh.WebPort}/" };
        await using var node = await BackboneNode.StartAsync(settings);
        var citizen = await node.CasesAsCitizenAsync();
        return (settings, (await citizen.SubmitAppealAsync(UrgentAppeal())).CaseId);
    }

    private static void Execute(string databaseFile, string sql) => Run(databaseFile, sql, command => command.ExecuteNonQuery());

    private static long Count(string databaseFile, string sql) => Run(databaseFile, sql, command => (long)command.ExecuteScalar()!);

    /// <summary>One statement on a connection of its own (no pool keeps the file open after it).</summary>
    private static T Run<T>(string databaseFile, string sql, Func<SqliteCommand, T> run)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return run(command);
    }

    private static SubmitAppealRequest UrgentAppeal() => new()
    {
        RequestId = TestData.RequestId(),
        Category = NodeSettings.UrgentCategory,
        Description = "井盖缺失，有人跌倒风险。",
        Location = InFirstGrid,
    };

    /// <summary>Reads the case until <paramref name="done"/> holds; fails after <paramref name="within"/> (30 seconds).</summary>
    private static async Task<Case> Eventually(CaseService.CaseServiceClient client, string caseId, Func<Case, bool> done, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var current = await client.GetCaseAsync(new GetCaseRequest { CaseId = caseId });
            if (done(current))
            {
                return current;
            }

            Assert.False(timeout.IsCancellationRequested, $"The case never got there: {current}");
            await Task.Delay(200);
        }
    }
}

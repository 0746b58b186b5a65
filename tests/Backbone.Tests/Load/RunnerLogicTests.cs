using System.Diagnostics;
using Backbone.LoadTests;
using Grpc.Core;

namespace Backbone.Tests.Load;

/// <summary>The load runner's own arithmetic: pacing, percentiles, verdicts, the spike's recovery, the reports.</summary>
public sealed class RunnerLogicTests
{
    [Fact]
    public void A_constant_rate_schedules_evenly_spaced_calls()
    {
        var arrival = Arrival.Constant(100, TimeSpan.FromSeconds(2));

        Assert.Equal(200, arrival.TotalCalls);
        Assert.Equal(0, arrival.DueSeconds(0), 9);
        Assert.Equal(0.01, arrival.DueSeconds(1), 9);
        Assert.Equal(1.5, arrival.DueSeconds(150), 9);
    }

    [Fact]
    public void A_ramp_sends_a_quarter_of_its_calls_in_the_first_half()
    {
        var arrival = Arrival.Ramp(0, 200, TimeSpan.FromSeconds(10)); // 1,000 calls

        var firstHalf = CallsBetween(arrival, 0, 5);

        Assert.Equal(1000, arrival.TotalCalls);
        Assert.InRange(firstHalf, 249, 251);
        Assert.Equal(100, arrival.RateAt(5), 9);
    }

    [Fact]
    public void A_spike_sends_ten_times_the_calls_while_it_lasts_and_the_base_rate_around_it()
    {
        var arrival = Arrival.Spike(50, 10, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));

        Assert.Equal(200 + 1000 + 200, arrival.TotalCalls);
        Assert.InRange(CallsBetween(arrival, 0, 4), 199, 201);
        Assert.InRange(CallsBetween(arrival, 4, 6), 999, 1001);
        Assert.InRange(CallsBetween(arrival, 6, 10), 199, 201);
        Assert.Equal(500, arrival.RateAt(5));
    }

    [Fact]
    public void Percentiles_come_from_every_recorded_latency()
    {
        var measurement = new Measurement();
        for (var ms = 1; ms <= 1000; ms++)
        {
            measurement.Record(0, Measurement.Ticks(ms), ms % 100 == 0 ? StatusCode.Unavailable : StatusCode.OK);
        }

        Assert.Equal(500, measurement.PercentileMs(50), 0.5);   // three significant digits
        Assert.Equal(990, measurement.PercentileMs(99), 1.0);
        Assert.Equal(1000, measurement.MaxMs, 1.0);
        Assert.Equal((990, 10), (measurement.Statuses[StatusCode.OK], measurement.Statuses[StatusCode.Unavailable]));
        Assert.Equal(0.01, measurement.ErrorRate, 9);
    }

    [Fact]
    public void Thresholds_name_what_broke_and_hold_when_met()
    {
        var measurement = new Measurement();
        for (var i = 0; i < 100; i++)
        {
            measurement.Record(0, Measurement.Ticks(i < 98 ? 5 : 40), i < 97 ? StatusCode.OK : StatusCode.Unavailable);
        }

        Assert.Equal(["p99 40.0 ms > 20 ms", "error rate 3.00% > 1.00%"], new Thresholds(20, 0.01).BrokenBy(measurement));
        Assert.Empty(new Thresholds(50, 0.05).BrokenBy(measurement));
        Assert.Empty(new Thresholds(null, null).BrokenBy(measurement));
    }

    [Fact]
    public void Recovery_is_the_first_of_three_normal_seconds_after_the_spike()
    {
        var arrival = Arrival.Spike(10, 10, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8));
        // p99 per second: normal 4 ms, 80 ms during and 2 s after the spike, then normal (one 30 ms blip at second 8).
        double[] p99 = [4, 4, 4, 80, 80, 60, 50, 6, 30, 5, 5, 5, 5];
        var seconds = p99.Select((ms, i) =>
        {
            var second = new Second();
            second.Latency.RecordValue(Measurement.Ticks(ms));
            second.Errors = i is 3 or 4 ? 2 : 0;
            return second;
        }).ToList();

        var outcome = SpikeOutcome.Of(seconds, arrival);

        Assert.Equal((2, 4, 4.0), (outcome.CallsDuringSpike, outcome.ErrorsDuringSpike, Math.Round(outcome.NormalP99Ms)));
        Assert.Equal(4, outcome.RecoverySeconds); // seconds 9, 10, 11 are the first three normal ones in a row
    }

    [Fact]
    public void The_HTML_report_is_one_self_contained_page_with_plots()
    {
        var phase = new Phase("health-code-morning", "100/s (open)");
        for (var i = 0; i < 50; i++)
        {
            phase.Record(i % 2 == 0 ? "GetCitizen(me)" : "ListMyCertificates", Measurement.Ticks(2 + (i % 5)), StatusCode.OK);
        }

        phase.Finish();
        var rows = LoadRun.Rows(phase).ToList();
        var html = HtmlReport.Render("| scenario | 健康码 |", [phase]);

        Assert.Equal(3, rows.Count); // the phase, then each step
        Assert.Contains("| GetCitizen(me) |", rows[1]);
        Assert.Contains("OK 25", rows[1]);
        Assert.Contains("<svg", html);
        Assert.Contains("健康码", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_open_model_sends_every_call_and_none_before_it_is_due_and_reports_how_late_it_was()
    {
        var started = new System.Collections.Concurrent.ConcurrentBag<long>();
        var scenario = new Scenario("tick", [new Step("tick", 1, () =>
        {
            started.Add(Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        })]);
        var arrival = Arrival.Constant(200, TimeSpan.FromSeconds(0.5));

        var phase = await Engine.RunOpenAsync(scenario, "200/s (open)", arrival);
        var closed = await Engine.RunClosedAsync(scenario, "4 in flight (closed)", 4, TimeSpan.FromMilliseconds(50));

        Assert.Equal(100, phase.All.Count);
        Assert.Equal(100, phase.SendLag.TotalCount);
        var dueTimes = Enumerable.Range(0, 100).Select(n => phase.Start + (long)(arrival.DueSeconds(n) * Stopwatch.Frequency));
        Assert.All(started.Order().Take(100).Zip(dueTimes), call => Assert.True(call.First >= call.Second, "a call left before it was due"));
        Assert.Matches(@"\| \d+\.\d\d \|$", LoadRun.Rows(phase).First()); // the runner's lateness, in ms
        Assert.EndsWith("| — |", LoadRun.Rows(closed).First(), StringComparison.Ordinal); // a closed model has no schedule
    }

    [Fact]
    public void The_command_line_reads_the_issues_example_and_refuses_what_it_does_not_know()
    {
        var options = Options.Parse(["--scenario", "health-code-morning", "--rate", "5000", "--duration", "60s", "--target", "http://127.0.0.1:5100", "--secret", "s"]);

        Assert.Equal(["health-code-morning"], options.Scenarios);
        Assert.Equal((5000.0, TimeSpan.FromSeconds(60)), (options.Rate, options.Duration));
        Assert.Throws<ArgumentException>(() => Options.Parse(["--rate", "10"])); // no --secret
        Assert.Throws<ArgumentException>(() => Options.Parse(["--secret", "s", "--shape", "sawtooth"]));
    }

    [Fact]
    public void Steps_are_taken_in_proportion_to_their_weights_in_every_round()
    {
        static Task None() => Task.CompletedTask;
        var scenario = new Scenario("mix", [new Step("a", 6, None), new Step("b", 3, None), new Step("c", 1, None)]);

        var firstRound = Enumerable.Range(0, 10).Select(_ => scenario.Pick().Name).ToList();
        var secondRound = Enumerable.Range(0, 10).Select(_ => scenario.Pick().Name).ToList();

        Assert.Equal((6, 3, 1), (firstRound.Count(n => n == "a"), firstRound.Count(n => n == "b"), firstRound.Count(n => n == "c")));
        Assert.Equal(firstRound, secondRound);
        Assert.NotEqual("aaaaaabbbc", string.Concat(firstRound)); // interleaved, not in blocks
    }

    private static long CallsBetween(Arrival arrival, double from, double to)
    {
        long count = 0;
        for (long n = 0; n < arrival.TotalCalls; n++)
        {
            var due = arrival.DueSeconds(n);
            if (due >= from && due < to)
            {
                count++;
            }
        }

        return count;
    }
}

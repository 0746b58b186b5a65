using System.Diagnostics;
using Grpc.Core;

namespace Backbone.LoadTests;

/// <summary>A step had nothing to do this time (staff with no appeal waiting): skipped, not counted as a call.</summary>
public sealed class NothingToDoException : Exception;

/// <summary>Sends a scenario's calls in a closed or an open model and records each in its phase.</summary>
public static class Engine
{
    /// <summary>Closed model: <paramref name="inFlight"/> callers, each sending its next call when the last one answered.</summary>
    public static async Task<Phase> RunClosedAsync(Scenario scenario, string name, int inFlight, TimeSpan duration)
    {
        var phase = new Phase(scenario.Name, name);
        using var progress = Progress(phase);
        var end = phase.Start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            await Task.Yield();
            while (Stopwatch.GetTimestamp() < end)
            {
                await CallAsync(scenario, phase, Stopwatch.GetTimestamp());
            }
        }));
        phase.Finish();
        return phase;
    }

    /// <summary>
    /// Open model: calls due on the arrival's schedule whether or not earlier ones answered, each
    /// measured from when it was due, so a slow server cannot hide its delay by slowing the sender.
    /// The schedule is kept by a thread of its own that wakes about every millisecond (a timer-driven
    /// loop around <c>Task.Delay(1)</c> woke every 3.6 ms here at p50, 6.8 ms at p99, and that lateness
    /// was reported as the server's latency). How late calls still leave is recorded apart
    /// (<see cref="Phase.SendLag"/>).
    /// </summary>
    public static Task<Phase> RunOpenAsync(Scenario scenario, string name, Arrival arrival)
    {
        var done = new TaskCompletionSource<Phase>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            try
            {
                var phase = new Phase(scenario.Name, name, arrival);
                using var progress = Progress(phase);
                var pending = Send(scenario, phase, arrival);
                Task.WhenAll(pending).Wait();
                phase.Finish();
                done.SetResult(phase);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "open-model sender" };
        sender.Start();
        return done.Task;
    }

    private static List<Task> Send(Scenario scenario, Phase phase, Arrival arrival)
    {
        var total = arrival.TotalCalls;
        long Due(long call) => phase.Start + (long)(arrival.DueSeconds(call) * Stopwatch.Frequency);
        var pending = new List<Task>();
        long sent = 0;
        while (sent < total)
        {
            // The calls due by now go out now, together from one thread-pool item (this thread alone
            // would become the limit; an item per call woke a worker per call, and the open model
            // collapsed at 9,000 GetCitizen calls/s here), then sleep until the next one is due.
            var now = Stopwatch.GetTimestamp();
            var due = Due(sent);
            if (due <= now)
            {
                var batch = new List<long>();
                for (; sent < total && due <= now; due = Due(++sent))
                {
                    batch.Add(due);
                }

                pending.Add(Task.Run(() => Task.WhenAll(batch.Select(dueAt => CallAsync(scenario, phase, dueAt)))));
            }

            if (pending.Count > 8192)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }

            if (sent < total)
            {
                SleepUntil(due);
            }
        }

        return pending;
    }

    /// <summary>
    /// Sleeps until about <paramref name="timestamp"/>, but at least about a millisecond: the calls due
    /// meanwhile then leave together. Waking for every call (every 0.1 ms at 8,000/s), with workstation GC,
    /// cost the runner twice the CPU and collapsed a 60 s spike at 8,000 calls/s; a millisecond keeps it within about
    /// 1 ms of the schedule (a timer-driven <c>Task.Delay(1)</c> was 3.6 ms late at p50 here).
    /// </summary>
    private static void SleepUntil(long timestamp)
    {
        var microseconds = (timestamp - Stopwatch.GetTimestamp()) * 1_000_000 / Stopwatch.Frequency;
        if (microseconds <= 0)
        {
            return;
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            // A wake-up costs about 90 µs more than asked for here (timer slack and scheduling).
            _ = Native.usleep((uint)Math.Clamp(microseconds - 90, 900, 1000));
        }
        else
        {
            Thread.Sleep(1);
        }
    }

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc")]
        internal static extern int usleep(uint microseconds);
    }

    private static async Task CallAsync(Scenario scenario, Phase phase, long due)
    {
        phase.RecordSendLag(Stopwatch.GetTimestamp() - due);
        var step = scenario.Pick();
        var status = StatusCode.OK;
        try
        {
            await step.Call();
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
        }
        catch (NothingToDoException)
        {
            Interlocked.Increment(ref phase.Skipped);
            return;
        }

        phase.Record(step.Name, Stopwatch.GetTimestamp() - due, status);
    }

    /// <summary>A live line on standard error each second: the last whole second's calls, p99 and errors.</summary>
    private static Timer Progress(Phase phase)
    {
        var printed = 0;
        return new Timer(_ =>
        {
            var (begun, last) = phase.All.Progress();
            if (last is null || begun - 1 == printed)
            {
                return;
            }

            printed = begun - 1;

            Console.Error.WriteLine($"  {phase.Scenario} {phase.Name}: {printed} s, {last.Latency.TotalCount} calls/s, p99 {last.P99Ms:0.0} ms, {last.Errors} errors");
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }
}

/// <summary>What a spike did: errors while it lasted, and how long after it latency was normal again.</summary>
public sealed record SpikeOutcome(long CallsDuringSpike, long ErrorsDuringSpike, double NormalP99Ms, double? RecoverySeconds)
{
    /// <summary>Seconds in a row a recovery must hold.</summary>
    public const int SteadySeconds = 3;

    /// <summary>
    /// Normal is the p99 of the whole seconds before the spike; recovered is the first second after the
    /// spike from which <see cref="SteadySeconds"/> seconds in a row have a p99 of at most twice normal
    /// (and never less than normal plus 5 ms, so a sub-millisecond baseline is not held to noise).
    /// </summary>
    public static SpikeOutcome Of(IReadOnlyList<Second> seconds, Arrival spike)
    {
        var before = (int)spike.Segments[0].Length.TotalSeconds;
        var spikeEnd = before + (int)spike.Segments[1].Length.TotalSeconds;
        var normal = seconds.Take(before).Where(s => s.Latency.TotalCount > 0).Select(s => s.P99Ms).DefaultIfEmpty(0).Average();
        var allowed = Math.Max(2 * normal, normal + 5);
        var during = seconds.Skip(before).Take(spikeEnd - before).ToList();
        double? recovery = null;
        for (var s = spikeEnd; s + SteadySeconds <= seconds.Count; s++)
        {
            if (seconds.Skip(s).Take(SteadySeconds).All(x => x.Latency.TotalCount > 0 && x.P99Ms <= allowed))
            {
                recovery = s - spikeEnd;
                break;
            }
        }

        return new SpikeOutcome(during.Sum(s => s.Latency.TotalCount), during.Sum(s => s.Errors), normal, recovery);
    }
}

/// <summary>What an open-model phase must hold for the run to pass; unset: not judged.</summary>
public sealed record Thresholds(double? MaxP99Milliseconds, double? MaxErrorRate)
{
    public IEnumerable<string> BrokenBy(Measurement measurement)
    {
        var p99 = measurement.PercentileMs(99);
        if (MaxP99Milliseconds is { } maxP99 && p99 > maxP99)
        {
            yield return $"p99 {p99:0.0} ms > {maxP99} ms";
        }

        if (MaxErrorRate is { } maxErrors && measurement.ErrorRate > maxErrors)
        {
            yield return $"error rate {Percent(measurement.ErrorRate)} > {Percent(maxErrors)}";
        }
    }

    public override string ToString() =>
        $"p99 at most {(MaxP99Milliseconds is { } p ? $"{p} ms" : "any")}, errors at most {(MaxErrorRate is { } e ? Percent(e) : "any")}";

    public static string Percent(double share) => (share * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "%";
}

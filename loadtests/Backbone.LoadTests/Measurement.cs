using System.Diagnostics;
using Grpc.Core;
using HdrHistogram;

namespace Backbone.LoadTests;

/// <summary>
/// The calls of one phase (or one step of it): latencies in an HdrHistogram (three significant digits,
/// up to a minute), the status of every call, and the same per second since the phase began.
/// </summary>
public sealed class Measurement
{
    private readonly Lock _gate = new();

    public LongHistogram Latency { get; } = new(Stopwatch.Frequency * 60, 3);

    /// <summary>Calls by final status, OK included.</summary>
    public Dictionary<StatusCode, long> Statuses { get; } = [];

    /// <summary>Calls that ended in each second of the phase.</summary>
    public List<Second> Seconds { get; } = [];

    public long Count => Latency.TotalCount;

    public long Errors
    {
        get
        {
            lock (_gate)
            {
                return Statuses.Where(s => s.Key != StatusCode.OK).Sum(s => s.Value);
            }
        }
    }

    public double ErrorRate => Errors / (double)Math.Max(1, Count);

    public void Record(int second, long ticks, StatusCode status)
    {
        lock (_gate)
        {
            Latency.RecordValue(Math.Max(1, ticks));
            Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
            while (Seconds.Count <= second)
            {
                Seconds.Add(new Second());
            }

            Seconds[second].Latency.RecordValue(Math.Max(1, ticks));
            if (status != StatusCode.OK)
            {
                Seconds[second].Errors++;
            }
        }
    }

    /// <summary>How many seconds have begun, and the last whole one (null before two have begun).</summary>
    public (int Begun, Second? LastWhole) Progress()
    {
        lock (_gate)
        {
            return (Seconds.Count, Seconds.Count >= 2 ? Seconds[^2] : null);
        }
    }

    public double PercentileMs(double percentile) => Milliseconds(Latency.GetValueAtPercentile(percentile));

    public double MaxMs => Milliseconds(Latency.GetMaxValue());

    public static double Milliseconds(long ticks) => ticks / (double)Stopwatch.Frequency * 1000;

    public static long Ticks(double milliseconds) => (long)(milliseconds / 1000 * Stopwatch.Frequency);
}

public sealed class Second
{
    public LongHistogram Latency { get; } = new(Stopwatch.Frequency * 60, 2);

    public long Errors { get; set; }

    public double P99Ms => Latency.TotalCount == 0 ? 0 : Measurement.Milliseconds(Latency.GetValueAtPercentile(99));
}

/// <summary>One phase of a run: its whole measurement, one per step, the runner's own CPU, and (for shaped arrivals) its schedule.</summary>
public sealed class Phase
{
    private readonly TimeSpan _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
    private long _elapsed;

    public Phase(string scenario, string name, Arrival? arrival = null)
    {
        Scenario = scenario;
        Name = name;
        Arrival = arrival;
    }

    public string Scenario { get; }

    public string Name { get; }

    public Arrival? Arrival { get; }

    public long Start { get; } = Stopwatch.GetTimestamp();

    public Measurement All { get; } = new();

    public Dictionary<string, Measurement> Steps { get; } = new(StringComparer.Ordinal);

    /// <summary>Calls a step had nothing to do for (e.g. no appeal waiting for staff); not counted as calls.</summary>
    public long Skipped;

    public double RunnerCpu { get; private set; }

    /// <summary>
    /// How late the runner itself sent each call (from when it was due to when it left): part of every
    /// open-model latency, reported so a reader can tell the runner's lateness from the server's.
    /// </summary>
    public LongHistogram SendLag { get; } = new(Stopwatch.Frequency * 60, 2);

    public double Rate => All.Count / Math.Max(1e-9, _elapsed / (double)Stopwatch.Frequency);

    public void RecordSendLag(long ticks)
    {
        lock (SendLag)
        {
            SendLag.RecordValue(Math.Max(1, ticks));
        }
    }

    public void Record(string step, long ticks, StatusCode status)
    {
        var second = (int)((Stopwatch.GetTimestamp() - Start) / Stopwatch.Frequency);
        All.Record(second, ticks, status);
        Measurement measurement;
        lock (Steps)
        {
            measurement = Steps.TryGetValue(step, out var found) ? found : Steps[step] = new Measurement();
        }

        measurement.Record(second, ticks, status);
    }

    public void Finish()
    {
        _elapsed = Stopwatch.GetTimestamp() - Start;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;
        RunnerCpu = cpu.TotalSeconds / (_elapsed / (double)Stopwatch.Frequency) / Environment.ProcessorCount;
    }
}

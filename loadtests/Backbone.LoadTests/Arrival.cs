namespace Backbone.LoadTests;

/// <summary>A stretch of an open-model phase whose rate goes linearly from <see cref="FromRate"/> to <see cref="ToRate"/> calls per second.</summary>
public sealed record Segment(TimeSpan Length, double FromRate, double ToRate)
{
    /// <summary>Calls due in the first <paramref name="seconds"/> of the segment.</summary>
    public double CallsWithin(double seconds) =>
        (FromRate * seconds) + ((ToRate - FromRate) * seconds * seconds / (2 * Length.TotalSeconds));

    /// <summary>When, from the segment's start, the <paramref name="calls"/>-th call of the segment is due.</summary>
    public double SecondsUntil(double calls)
    {
        var k = (ToRate - FromRate) / (2 * Length.TotalSeconds);
        if (Math.Abs(k) < 1e-12)
        {
            return calls / FromRate;
        }

        // k t² + FromRate t − calls = 0, the root within the segment.
        return (-FromRate + Math.Sqrt(Math.Max(0, (FromRate * FromRate) + (4 * k * calls)))) / (2 * k);
    }
}

/// <summary>
/// When the calls of an open-model phase are due: a rate over time (constant, ramped, or a spike), as
/// piecewise-linear segments. Call n is due when the arrivals counted from the start reach n, so the
/// schedule does not depend on how fast the server answers (no coordinated omission).
/// </summary>
public sealed class Arrival(string name, IReadOnlyList<Segment> segments)
{
    public string Name { get; } = name;

    public IReadOnlyList<Segment> Segments { get; } = segments;

    public TimeSpan Duration => TimeSpan.FromTicks(Segments.Sum(s => s.Length.Ticks));

    public long TotalCalls => (long)Math.Floor(Segments.Sum(s => s.CallsWithin(s.Length.TotalSeconds)) + 1e-9);

    public static Arrival Constant(double rate, TimeSpan duration) => new($"{rate:0}/s", [new Segment(duration, rate, rate)]);

    /// <summary>From <paramref name="from"/> to <paramref name="to"/> calls per second over the duration.</summary>
    public static Arrival Ramp(double from, double to, TimeSpan duration) => new($"{from:0}→{to:0}/s ramp", [new Segment(duration, from, to)]);

    /// <summary><paramref name="rate"/>, then <paramref name="factor"/> times it for <paramref name="spike"/>, then <paramref name="rate"/> again.</summary>
    public static Arrival Spike(double rate, double factor, TimeSpan before, TimeSpan spike, TimeSpan after) =>
        new($"{rate:0}/s, ×{factor:0} for {spike.TotalSeconds:0} s", [new Segment(before, rate, rate), new Segment(spike, rate * factor, rate * factor), new Segment(after, rate, rate)]);

    /// <summary>Seconds from the start at which call <paramref name="n"/> (from 0) is due.</summary>
    public double DueSeconds(long n)
    {
        var offset = 0.0;
        var remaining = (double)n;
        for (var i = 0; i < Segments.Count; i++)
        {
            var segment = Segments[i];
            var inSegment = segment.CallsWithin(segment.Length.TotalSeconds);
            if (remaining <= inSegment || i == Segments.Count - 1)
            {
                return offset + Math.Min(segment.SecondsUntil(remaining), segment.Length.TotalSeconds);
            }

            remaining -= inSegment;
            offset += segment.Length.TotalSeconds;
        }

        return offset;
    }

    /// <summary>The scheduled rate at <paramref name="seconds"/> from the start.</summary>
    public double RateAt(double seconds)
    {
        foreach (var segment in Segments)
        {
            if (seconds < segment.Length.TotalSeconds)
            {
                return segment.FromRate + ((segment.ToRate - segment.FromRate) * seconds / segment.Length.TotalSeconds);
            }

            seconds -= segment.Length.TotalSeconds;
        }

        return Segments[^1].ToRate;
    }
}

using System.Diagnostics.Metrics;

namespace Backbone.Silo.Metrics;

/// <summary>The node's own meter, which <c>/metrics</c> exports, and what its instruments share.</summary>
public static class BackboneMeter
{
    public const string Name = "Backbone";

    /// <summary>
    /// Bucket bounds, in seconds, of the node's duration histograms. Without them OpenTelemetry's default
    /// bounds (0, 5, 10, 25 … 10,000) are meant for milliseconds, and every call landed in the 5-second bucket.
    /// </summary>
    public static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
    };
}

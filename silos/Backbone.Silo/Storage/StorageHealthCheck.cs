using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backbone.Silo.Storage;

/// <summary>
/// Ready only when the store that holds grain state answers. The answer is reused for a second, so a
/// storm of health probes (load balancers, the load-test baseline) never becomes a storm of store queries.
/// </summary>
public abstract class StorageHealthCheck(TimeProvider clock) : IHealthCheck
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);

    // A reference, so concurrent probes swap it atomically and never read half of an answer.
    private Answer? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_last is { } last && clock.GetUtcNow() - last.At < ReuseFor)
        {
            return last.Result;
        }

        HealthCheckResult result;
        try
        {
            await ProbeAsync(cancellationToken);
            result = HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            result = new HealthCheckResult(WhenUnreachable, $"The {StoreName} does not answer.", e);
        }

        _last = new Answer(result, clock.GetUtcNow());
        return result;
    }

    protected abstract string StoreName { get; }

    /// <summary>What this node is while the store does not answer.</summary>
    protected virtual HealthStatus WhenUnreachable => HealthStatus.Unhealthy;

    /// <summary>One cheap round trip to the store; throws when it does not answer.</summary>
    protected abstract Task ProbeAsync(CancellationToken cancellationToken);

    private sealed record Answer(HealthCheckResult Result, DateTimeOffset At);
}

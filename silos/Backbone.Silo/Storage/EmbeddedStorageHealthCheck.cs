using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backbone.Silo.Storage;

/// <summary>
/// Ready only when the embedded store answers a query. The answer is reused for a second, so a storm
/// of health probes (load balancers, the load-test baseline) never becomes a storm of store queries.
/// </summary>
public sealed class EmbeddedStorageHealthCheck(SqliteDatabase database, TimeProvider clock) : IHealthCheck
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

        var result = await Probe(cancellationToken);
        _last = new Answer(result, clock.GetUtcNow());
        return result;
    }

    private async Task<HealthCheckResult> Probe(CancellationToken cancellationToken)
    {
        try
        {
            await database.ReadAsync(async connection =>
            {
                await using var command = connection.Command("SELECT 1");
                return await command.ExecuteScalarAsync(cancellationToken);
            }, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The embedded store does not answer.", e);
        }
    }

    private sealed record Answer(HealthCheckResult Result, DateTimeOffset At);
}

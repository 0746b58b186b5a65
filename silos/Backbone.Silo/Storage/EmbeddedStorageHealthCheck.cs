using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Backbone.Silo.Storage;

/// <summary>Ready only when the embedded store answers a query.</summary>
public sealed class EmbeddedStorageHealthCheck(SqliteDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
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
}

namespace Backbone.Silo.Storage;

/// <summary>Ready only when the embedded SQLite store answers a query.</summary>
public sealed class EmbeddedStorageHealthCheck(SqliteDatabase database, TimeProvider clock) : StorageHealthCheck(clock)
{
    protected override string StoreName => "embedded store";

    protected override Task ProbeAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            var command = session.Command("SELECT 1");
            return await command.ExecuteScalarAsync(cancellationToken);
        }, cancellationToken);
}

using Backbone.Silo.Hosting;
using Microsoft.Data.Sqlite;

namespace Backbone.Silo.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with full fsync on commit, so an acknowledged write
/// survives a killed process and a lost machine. Writes go one at a time through a gate (SQLite has a
/// single writer anyway; queueing here avoids busy-waiting in the driver); reads run in parallel.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public SqliteDatabase(DataDirectory directory)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = directory.DatabaseFile,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, Schema);
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS grain_state (
            store       TEXT NOT NULL,
            state_name  TEXT NOT NULL,
            grain_id    TEXT NOT NULL,
            etag        TEXT NOT NULL,
            payload     BLOB NOT NULL,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (store, state_name, grain_id)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS reminders (
            grain_id       TEXT    NOT NULL,
            reminder_name  TEXT    NOT NULL,
            grain_hash     INTEGER NOT NULL,
            start_at       INTEGER NOT NULL,
            period         INTEGER NOT NULL,
            etag           TEXT    NOT NULL,
            PRIMARY KEY (grain_id, reminder_name)
        ) WITHOUT ROWID;

        CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (grain_hash);
        """;

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await work(connection);
    }

    public async Task<T> WriteAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await work(connection);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        Execute(connection, "PRAGMA synchronous = FULL;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        _writeGate.Dispose();
    }
}

internal static class SqliteCommandExtensions
{
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Backbone.Silo.Hosting;
using Microsoft.Data.Sqlite;

namespace Backbone.Silo.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with full fsync on commit, so an acknowledged write
/// survives a killed process and a lost machine. Reads run in parallel. Writes are committed in groups:
/// one writer takes every write waiting, runs them in one transaction, commits once (one fsync for the
/// group), and only then answers each of them. Under load many writes share an fsync; alone, a write
/// waits for no one. Every write is one modifying statement, which SQLite undoes by itself when it
/// fails, so a failed write leaves the rest of its group intact. Connections stay open with the
/// statements they prepared (<see cref="SqliteSession"/>): a point read is then a bind and a step, about a
/// third of what opening, preparing and finalizing each time cost.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>Writes committed together at most (a bound on one transaction's size and latency).</summary>
    public const int MaxGroup = 256;

    /// <summary>Idle reader connections kept open; more are opened under load and closed when handed back.</summary>
    private const int IdleReaders = 16;

    private readonly string _connectionString;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writer;
    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteSession> _readers = [];
    private readonly Histogram<double>? _commitDuration;
    private readonly Histogram<int>? _groupSize;

    public SqliteDatabase(DataDirectory directory, IMeterFactory? meters = null)
    {
        if (meters?.Create(Metrics.BackboneMeter.Name) is { } meter)
        {
            _commitDuration = meter.CreateHistogram(
                "backbone.store.commit.duration", unit: "s", description: "Time the embedded store's writer took for one group of writes, from its first statement to its commit's fsync.",
                advice: Metrics.BackboneMeter.SecondsBuckets);
            _groupSize = meter.CreateHistogram(
                "backbone.store.commit.writes", unit: "{write}", description: "Writes committed together in one group by the embedded store.",
                advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, MaxGroup] });
        }

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
        MoveGrainStateOffWithoutRowid(connection);
        Execute(connection, Schema);
        // The writer blocks (SQLite has no asynchronous I/O, and a commit waits for fsync), so it has a thread
        // of its own: on the thread pool it held one of a 2-core node's two workers through every statement
        // and fsync (appeals +13 % with its own thread, docs/benchmarks.md).
        _writer = new Thread(WriteGroups) { IsBackground = true, Name = "SQLite writer" };
        _writer.Start();
    }

    /// <summary>
    /// Grain states are an ordinary (rowid) table: states run from a few hundred bytes to tens of
    /// kilobytes, and SQLite rewrites a WITHOUT ROWID row inside its key's b-tree, which made updating a
    /// 25 KB state 2.4 times as slow (measured; docs/benchmarks.md).
    /// </summary>
    private const string GrainStateTable = """
        CREATE TABLE IF NOT EXISTS grain_state (
            store       TEXT NOT NULL,
            state_name  TEXT NOT NULL,
            grain_id    TEXT NOT NULL,
            etag        TEXT NOT NULL,
            payload     BLOB NOT NULL,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (store, state_name, grain_id)
        );
        """;

    private const string Schema = GrainStateTable + """

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

    /// <summary>Data directories made before grain states left WITHOUT ROWID: their rows move over in one transaction.</summary>
    private static void MoveGrainStateOffWithoutRowid(SqliteConnection connection)
    {
        using var probe = connection.CreateCommand();
        probe.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'grain_state'";
        if (probe.ExecuteScalar() is not string sql || !sql.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        Execute(connection, "BEGIN IMMEDIATE;");
        try
        {
            Execute(connection, GrainStateTable.Replace("grain_state (", "grain_state_moved (", StringComparison.Ordinal));
            Execute(connection, "INSERT INTO grain_state_moved SELECT store, state_name, grain_id, etag, payload, updated_at FROM grain_state;");
            Execute(connection, "DROP TABLE grain_state;");
            Execute(connection, "ALTER TABLE grain_state_moved RENAME TO grain_state;");
            Execute(connection, "COMMIT;");
        }
        catch
        {
            Execute(connection, "ROLLBACK;");
            throw;
        }
    }

    public async Task<T> ReadAsync<T>(Func<SqliteSession, Task<T>> work, CancellationToken cancellationToken = default)
    {
        if (!_readers.TryTake(out var session))
        {
            var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            session = new SqliteSession(connection);
        }

        T result;
        try
        {
            result = await work(session);
        }
        catch
        {
            session.Dispose(); // in whatever state the failure left it
            throw;
        }

        if (_readers.Count < IdleReaders)
        {
            _readers.Add(session);
        }
        else
        {
            session.Dispose();
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> (one modifying statement, and reads) in the writer's transaction;
    /// returns its result once that transaction is committed.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteSession, Task<T>> work, CancellationToken cancellationToken = default)
    {
        var pending = new PendingWrite(async session => await work(session), cancellationToken);
        if (!_writes.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(SqliteDatabase), "The embedded store is closed.");
        }

        return (T)(await pending.Done.Task)!;
    }

    /// <summary>The one writer: each group of waiting writes in one transaction, answered after its commit.</summary>
    private void WriteGroups()
    {
        SqliteSession? writer = null;
        var group = new List<(PendingWrite Write, object? Result, Exception? Error)>(MaxGroup);
        while (_writes.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            group.Clear();
            while (group.Count < MaxGroup && _writes.Reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Done.TrySetCanceled(write.CancellationToken);
                    continue;
                }

                group.Add((write, null, null));
            }

            if (group.Count == 0)
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                writer ??= OpenWriter();
                writer.Command("BEGIN IMMEDIATE;").ExecuteNonQuery();
                for (var i = 0; i < group.Count; i++)
                {
                    try
                    {
                        // Microsoft.Data.Sqlite's asynchronous calls complete synchronously: this waits for nothing else.
                        group[i] = group[i] with { Result = group[i].Write.Work(writer).GetAwaiter().GetResult() };
                    }
                    catch (SqliteException e) when (e.SqliteErrorCode is 19) // SQLITE_CONSTRAINT: that statement alone was undone
                    {
                        group[i] = group[i] with { Error = e };
                    }
                }

                writer.Command("COMMIT;").ExecuteNonQuery();
                _commitDuration?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                _groupSize?.Record(group.Count);
            }
            catch (Exception e)
            {
                // Nothing of the group is known to be stored: every write in it fails, and the next group starts on a fresh connection.
                foreach (var (write, _, _) in group)
                {
                    write.Done.TrySetException(e);
                }

                writer?.Dispose();
                writer = null;
                continue;
            }

            foreach (var (write, result, error) in group)
            {
                if (error is null)
                {
                    write.Done.TrySetResult(result);
                }
                else
                {
                    write.Done.TrySetException(error);
                }
            }
        }

        writer?.Dispose();
    }

    private SqliteSession OpenWriter()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA synchronous = FULL;");
        return new SqliteSession(connection);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _writes.Writer.TryComplete();
        _writer.Join(); // what was accepted is committed (or failed) before the file closes
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private sealed record PendingWrite(Func<SqliteSession, Task<object?>> Work, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// An open connection and the statements it has prepared, used by one operation at a time. Its commands
/// are kept for the next operation: dispose the readers they return, never the commands.
/// </summary>
public sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    /// <summary>The statement for <paramref name="sql"/> (prepared on first use), bound to these values.</summary>
    public SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }

        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public void Dispose()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        connection.Dispose();
    }
}

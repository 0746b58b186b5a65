using Microsoft.Data.Sqlite;

namespace Backbone.Silo.Storage;

/// <summary>
/// The Orleans reminder table on the embedded SQLite file, so reminders (case deadlines) survive
/// restarts. Rows are versioned by ETag like grain state.
/// </summary>
public sealed class SqliteReminderTable(SqliteDatabase database) : IReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_at, period, etag";

    public Task Init() => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        Query($"SELECT {Columns} FROM reminders WHERE grain_id = $grain", ("$grain", grainId.ToString()));

    /// <summary>Rows whose grain hash lies in (begin, end], a range that may wrap around zero.</summary>
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => begin < end
        ? Query($"SELECT {Columns} FROM reminders WHERE grain_hash > $begin AND grain_hash <= $end", ("$begin", (long)begin), ("$end", (long)end))
        : Query($"SELECT {Columns} FROM reminders WHERE grain_hash > $begin OR grain_hash <= $end", ("$begin", (long)begin), ("$end", (long)end));

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var rows = await Query(
            $"SELECT {Columns} FROM reminders WHERE grain_id = $grain AND reminder_name = $name",
            ("$grain", grainId.ToString()), ("$name", reminderName));
        return rows.Reminders.FirstOrDefault();
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        var etag = Guid.NewGuid().ToString("N");
        await database.WriteAsync(async session =>
        {
            var command = session.Command(
                """
                INSERT INTO reminders (grain_id, reminder_name, grain_hash, start_at, period, etag)
                VALUES ($grain, $name, $hash, $start, $period, $etag)
                ON CONFLICT (grain_id, reminder_name) DO UPDATE SET
                    grain_hash = excluded.grain_hash, start_at = excluded.start_at,
                    period = excluded.period, etag = excluded.etag
                """,
                ("$grain", entry.GrainId.ToString()), ("$name", entry.ReminderName),
                ("$hash", (long)entry.GrainId.GetUniformHashCode()),
                ("$start", entry.StartAt.ToUniversalTime().Ticks), ("$period", entry.Period.Ticks), ("$etag", etag));
            return await command.ExecuteNonQueryAsync();
        });
        return etag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        var removed = await database.WriteAsync(async session =>
        {
            var command = session.Command(
                "DELETE FROM reminders WHERE grain_id = $grain AND reminder_name = $name AND etag = $etag",
                ("$grain", grainId.ToString()), ("$name", reminderName), ("$etag", eTag));
            return await command.ExecuteNonQueryAsync();
        });
        return removed == 1;
    }

    public async Task TestOnlyClearTable()
    {
        await database.WriteAsync(async session =>
        {
            var command = session.Command("DELETE FROM reminders");
            return await command.ExecuteNonQueryAsync();
        });
    }

    private Task<ReminderTableData> Query(string sql, params (string Name, object? Value)[] parameters) =>
        database.ReadAsync(async session =>
        {
            var command = session.Command(sql, parameters);
            await using var reader = await command.ExecuteReaderAsync();
            var entries = new List<ReminderEntry>();
            while (await reader.ReadAsync())
            {
                entries.Add(ReadEntry(reader));
            }

            return new ReminderTableData(entries);
        });

    private static ReminderEntry ReadEntry(SqliteDataReader reader) => new()
    {
        GrainId = GrainId.Parse(reader.GetString(0)),
        ReminderName = reader.GetString(1),
        StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
        Period = TimeSpan.FromTicks(reader.GetInt64(3)),
        ETag = reader.GetString(4),
    };
}

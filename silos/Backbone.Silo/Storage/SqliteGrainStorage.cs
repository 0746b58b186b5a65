using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Backbone.Silo.Storage;

/// <summary>
/// Orleans grain storage on the embedded SQLite file. Every write is conditional on the ETag the grain
/// last read, in one statement, so a stale writer changes nothing and learns it. A state is serialized into a
/// pooled buffer and copied once into its payload: Orleans' storage serializer grows a fresh buffer by doubling
/// and its caller copied that again, three to four times a state's size in allocations (a grid's index is tens
/// of kilobytes, so large-object-heap allocations on every whole write).
/// </summary>
public sealed class SqliteGrainStorage(
    string storeName,
    SqliteDatabase database,
    Serializer serializer,
    IActivatorProvider activators) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = await database.ReadAsync(async session =>
        {
            var command = session.Command(
                "SELECT etag, payload FROM grain_state WHERE store = $store AND state_name = $state AND grain_id = $grain",
                ("$store", storeName), ("$state", stateName), ("$grain", grainId.ToString()));
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (Etag: reader.GetString(0), Payload: (byte[])reader[1]) : default;
        });

        if (row.Etag is null)
        {
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = serializer.Deserialize<T>(row.Payload);
        grainState.ETag = row.Etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = serializer.SerializeToArray(grainState.State);
        var newEtag = Guid.NewGuid().ToString("N");
        var expected = grainState.ETag;
        var written = await database.WriteAsync(async session =>
        {
            var command = expected is null
                ? session.Command(
                    """
                    INSERT INTO grain_state (store, state_name, grain_id, etag, payload, updated_at)
                    VALUES ($store, $state, $grain, $etag, $payload, $now)
                    ON CONFLICT DO NOTHING
                    """,
                    ("$store", storeName), ("$state", stateName), ("$grain", grainId.ToString()),
                    ("$etag", newEtag), ("$payload", payload), ("$now", DateTimeOffset.UtcNow.ToString("O")))
                : session.Command(
                    """
                    UPDATE grain_state SET etag = $etag, payload = $payload, updated_at = $now
                    WHERE store = $store AND state_name = $state AND grain_id = $grain AND etag = $expected
                    """,
                    ("$store", storeName), ("$state", stateName), ("$grain", grainId.ToString()),
                    ("$etag", newEtag), ("$payload", payload), ("$now", DateTimeOffset.UtcNow.ToString("O")),
                    ("$expected", expected));
            return await command.ExecuteNonQueryAsync();
        });

        if (written == 0)
        {
            throw Conflict("write", stateName, grainId, expected);
        }

        grainState.ETag = newEtag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = grainState.ETag;
        var consistent = await database.WriteAsync(async session =>
        {
            if (expected is null)
            {
                // Nothing was read, so nothing may have been written since.
                var probe = session.Command(
                    "SELECT 1 FROM grain_state WHERE store = $store AND state_name = $state AND grain_id = $grain",
                    ("$store", storeName), ("$state", stateName), ("$grain", grainId.ToString()));
                return await probe.ExecuteScalarAsync() is null;
            }

            var command = session.Command(
                "DELETE FROM grain_state WHERE store = $store AND state_name = $state AND grain_id = $grain AND etag = $expected",
                ("$store", storeName), ("$state", stateName), ("$grain", grainId.ToString()), ("$expected", expected));
            return await command.ExecuteNonQueryAsync() == 1;
        });

        if (!consistent)
        {
            throw Conflict("clear", stateName, grainId, expected);
        }

        grainState.State = activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? expected) =>
        new($"Could not {operation} state '{stateName}' of {grainId} in store '{storeName}': it changed since ETag '{expected ?? "(none)"}' was read.",
            storedEtag: "(changed)", currentEtag: expected ?? string.Empty);
}

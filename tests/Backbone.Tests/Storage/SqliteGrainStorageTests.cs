using Backbone.Grains.Citizens;
using Microsoft.Data.Sqlite;
using Orleans.Storage;

namespace Backbone.Tests.Storage;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private const string StateName = "citizen";
    private readonly SqliteStore _store = new();
    private readonly GrainId _grain = GrainId.Create("citizen", Guid.NewGuid().ToString("N"));

    public void Dispose() => _store.Dispose();

    private static GrainState<CitizenState> Citizen(string name, long version = 1) =>
        new(new CitizenState { Name = name, Phone = "13912345678", Address = "上海市浦东新区", Version = version });

    [Fact]
    public async Task Reading_a_grain_never_written_gives_default_state_and_no_etag()
    {
        var state = new GrainState<CitizenState>(new CitizenState { Name = "left over" });

        await _store.GrainStorage().ReadStateAsync(StateName, _grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(string.Empty, state.State!.Name);
    }

    [Fact]
    public async Task A_written_state_reads_back_with_chinese_text_intact_after_reopening_the_file()
    {
        await _store.GrainStorage().WriteStateAsync(StateName, _grain, Citizen("阿依古丽·买买提"));
        _store.Reopen();

        var read = new GrainState<CitizenState>(new CitizenState());
        await _store.GrainStorage().ReadStateAsync(StateName, _grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal("阿依古丽·买买提", read.State!.Name);
        Assert.Equal("上海市浦东新区", read.State!.Address);
    }

    [Fact]
    public async Task Each_write_changes_the_etag()
    {
        var storage = _store.GrainStorage();
        var state = Citizen("张三");

        await storage.WriteStateAsync(StateName, _grain, state);
        var first = state.ETag;
        await storage.WriteStateAsync(StateName, _grain, state);

        Assert.NotNull(first);
        Assert.NotEqual(first, state.ETag);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        var storage = _store.GrainStorage();
        var current = Citizen("张三");
        await storage.WriteStateAsync(StateName, _grain, current);
        var stale = new GrainState<CitizenState>(Citizen("李四").State, current.ETag);
        await storage.WriteStateAsync(StateName, _grain, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, _grain, stale));

        var read = new GrainState<CitizenState>(new CitizenState());
        await storage.ReadStateAsync(StateName, _grain, read);
        Assert.Equal("张三", read.State!.Name);
        Assert.Equal(current.ETag, read.ETag);
    }

    [Fact]
    public async Task A_first_write_is_refused_when_another_writer_created_the_record_meanwhile()
    {
        var storage = _store.GrainStorage();
        await storage.WriteStateAsync(StateName, _grain, Citizen("张三"));

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, _grain, Citizen("李四")));
    }

    [Fact]
    public async Task Of_two_writers_racing_on_one_etag_exactly_one_wins()
    {
        var storage = _store.GrainStorage();
        var original = Citizen("原名");
        await storage.WriteStateAsync(StateName, _grain, original);

        var writers = Enumerable.Range(0, 8)
            .Select(i => new GrainState<CitizenState>(Citizen($"写者{i}").State, original.ETag))
            .ToList();
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try
            {
                await storage.WriteStateAsync(StateName, _grain, w);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
        var winner = writers[Array.IndexOf(outcomes, true)];
        var read = new GrainState<CitizenState>(new CitizenState());
        await storage.ReadStateAsync(StateName, _grain, read);
        Assert.Equal(winner.State!.Name, read.State!.Name);
        Assert.Equal(winner.ETag, read.ETag);
    }

    [Fact]
    public async Task Clearing_removes_the_record_and_the_next_read_gives_default_state()
    {
        var storage = _store.GrainStorage();
        var state = Citizen("张三");
        await storage.WriteStateAsync(StateName, _grain, state);

        await storage.ClearStateAsync(StateName, _grain, state);

        Assert.False(state.RecordExists);
        var read = new GrainState<CitizenState>(new CitizenState());
        await storage.ReadStateAsync(StateName, _grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal(string.Empty, read.State!.Name);
    }

    [Fact]
    public async Task Clearing_with_a_stale_etag_is_refused_and_keeps_the_record()
    {
        var storage = _store.GrainStorage();
        var state = Citizen("张三");
        await storage.WriteStateAsync(StateName, _grain, state);
        var stale = new GrainState<CitizenState>(state.State, state.ETag);
        await storage.WriteStateAsync(StateName, _grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, _grain, stale));

        var read = new GrainState<CitizenState>(new CitizenState());
        await storage.ReadStateAsync(StateName, _grain, read);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task Stores_state_names_and_grains_do_not_see_each_others_records()
    {
        await _store.GrainStorage("Default").WriteStateAsync(StateName, _grain, Citizen("张三"));

        var otherStore = new GrainState<CitizenState>(new CitizenState());
        await _store.GrainStorage("Archive").ReadStateAsync(StateName, _grain, otherStore);
        var otherState = new GrainState<CitizenState>(new CitizenState());
        await _store.GrainStorage("Default").ReadStateAsync("other", _grain, otherState);
        var otherGrain = new GrainState<CitizenState>(new CitizenState());
        await _store.GrainStorage("Default").ReadStateAsync(StateName, GrainId.Create("citizen", "someone-else"), otherGrain);

        Assert.False(otherStore.RecordExists);
        Assert.False(otherState.RecordExists);
        Assert.False(otherGrain.RecordExists);
    }

    [Fact]
    public async Task A_data_directory_from_before_grain_states_left_WITHOUT_ROWID_keeps_every_state_and_etag()
    {
        var storage = _store.GrainStorage();
        var written = Citizen("欧阳娜娜");
        await storage.WriteStateAsync(StateName, _grain, written);
        _store.Reopen(file =>
        {
            // The table as earlier versions made it.
            using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                ALTER TABLE grain_state RENAME TO old_rows;
                CREATE TABLE grain_state (store TEXT NOT NULL, state_name TEXT NOT NULL, grain_id TEXT NOT NULL, etag TEXT NOT NULL,
                    payload BLOB NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (store, state_name, grain_id)) WITHOUT ROWID;
                INSERT INTO grain_state SELECT * FROM old_rows;
                DROP TABLE old_rows;
                """;
            command.ExecuteNonQuery();
        });

        var moved = await ReadBack();
        var etagAfterMove = moved.ETag;
        moved.State!.Phone = "13800000000";
        await _store.GrainStorage().WriteStateAsync(StateName, _grain, moved); // the etag read still holds
        var schema = await _store.Database.ReadAsync(async session =>
            (string)(await session.Command("SELECT sql FROM sqlite_master WHERE name = 'grain_state'").ExecuteScalarAsync())!);
        var after = await ReadBack();

        Assert.Equal(written.ETag, etagAfterMove);
        Assert.Equal(("欧阳娜娜", "13800000000"), (after.State!.Name, after.State.Phone));
        Assert.DoesNotContain("WITHOUT ROWID", schema, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_state_is_stored_byte_for_byte_as_builds_that_used_orleans_storage_serializer_stored_it()
    {
        var written = Citizen("司马相如 Sima Xiangru");
        await _store.GrainStorage().WriteStateAsync(StateName, _grain, written);

        var stored = await _store.Database.ReadAsync(async session => (byte[])(await session.Command(
            "SELECT payload FROM grain_state WHERE state_name = $state AND grain_id = $grain",
            ("$state", StateName), ("$grain", _grain.ToString())).ExecuteScalarAsync())!);

        // So a data directory, or a cluster's store, shared with an older build reads the same either way.
        Assert.Equal(new OrleansGrainStorageSerializer(SqliteStore.Serializer).Serialize(written.State).ToArray(), stored);
    }

    private async Task<GrainState<CitizenState>> ReadBack()
    {
        var state = new GrainState<CitizenState>(new CitizenState());
        await _store.GrainStorage().ReadStateAsync(StateName, _grain, state);
        return state;
    }
}

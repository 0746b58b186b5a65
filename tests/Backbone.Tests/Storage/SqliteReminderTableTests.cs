namespace Backbone.Tests.Storage;

public sealed class SqliteReminderTableTests : IDisposable
{
    private readonly SqliteStore _store = new();

    public void Dispose() => _store.Dispose();

    private static ReminderEntry Entry(GrainId grain, string name) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(15),
    };

    private static GrainId NewGrain() => GrainId.Create("case", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task An_upserted_reminder_reads_back_after_reopening_the_file()
    {
        var grain = NewGrain();
        var etag = await _store.ReminderTable().UpsertRow(Entry(grain, "sla-deadline"));
        _store.Reopen();

        var row = await _store.ReminderTable().ReadRow(grain, "sla-deadline");

        Assert.NotNull(row);
        Assert.Equal(grain, row.GrainId);
        Assert.Equal(TimeSpan.FromMinutes(15), row.Period);
        Assert.Equal(new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc), row.StartAt);
        Assert.Equal(etag, row.ETag);
    }

    [Fact]
    public async Task Upserting_again_replaces_the_row_and_changes_its_etag()
    {
        var table = _store.ReminderTable();
        var grain = NewGrain();
        var first = await table.UpsertRow(Entry(grain, "r"));
        var changed = Entry(grain, "r");
        changed.Period = TimeSpan.FromHours(1);

        var second = await table.UpsertRow(changed);

        Assert.NotEqual(first, second);
        var rows = await table.ReadRows(grain);
        Assert.Equal(TimeSpan.FromHours(1), Assert.Single(rows.Reminders).Period);
    }

    [Fact]
    public async Task Removing_needs_the_current_etag()
    {
        var table = _store.ReminderTable();
        var grain = NewGrain();
        var stale = await table.UpsertRow(Entry(grain, "r"));
        var current = await table.UpsertRow(Entry(grain, "r"));

        Assert.False(await table.RemoveRow(grain, "r", stale!));
        Assert.NotNull(await table.ReadRow(grain, "r"));
        Assert.True(await table.RemoveRow(grain, "r", current!));
        Assert.Null(await table.ReadRow(grain, "r"));
    }

    [Fact]
    public async Task Range_reads_return_exactly_the_rows_whose_hash_is_in_the_range_even_when_it_wraps()
    {
        var table = _store.ReminderTable();
        var grains = Enumerable.Range(0, 40).Select(_ => NewGrain()).ToList();
        foreach (var grain in grains)
        {
            await table.UpsertRow(Entry(grain, "r"));
        }

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        uint begin = hashes[10], end = hashes[30];

        var inside = await table.ReadRows(begin, end);
        var wrapped = await table.ReadRows(end, begin);

        Assert.Equal(hashes.Where(h => h > begin && h <= end), inside.Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order());
        Assert.Equal(hashes.Where(h => h > end || h <= begin), wrapped.Reminders.Select(r => r.GrainId.GetUniformHashCode()).Order());
    }
}

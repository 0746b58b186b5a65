using System.Globalization;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;
using Orleans.Concurrency;

namespace Backbone.Grains.Access;

[GenerateSerializer]
public sealed class DataAccessLogRecord
{
    /// <summary>The months (yyyyMM) that hold entries, oldest first.</summary>
    [Id(0)] public List<string> Months { get; set; } = [];
}

/// <summary>
/// A holder's access log: the index of its months. Appends pass through it into that month's grain
/// (reentrant, so concurrent appends reach the month together and are stored in one write); a new
/// month is indexed before any append to it returns. Nothing ever removes or edits an entry.
/// </summary>
[Reentrant]
[GrainType("dataaccesslog")]
public sealed class DataAccessLogGrain(
    [PersistentState("data-access-log")] IPersistentState<DataAccessLogRecord> record,
    IGrainFactory grains) : Grain, IDataAccessLogGrain
{
    /// <summary>Index writes of new months, shared by the appends that arrive while one is under way.</summary>
    private readonly Dictionary<string, Task> _indexing = new(StringComparer.Ordinal);

    public async Task Append(DataAccess entry)
    {
        var month = entry.Time.ToOffset(ChinaTime.Offset).ToString("yyyyMM", CultureInfo.InvariantCulture);
        if (!record.State.Months.Contains(month) || _indexing.ContainsKey(month))
        {
            if (!_indexing.TryGetValue(month, out var indexing))
            {
                record.State.Months.Add(month);
                record.State.Months.Sort(StringComparer.Ordinal);
                _indexing[month] = indexing = record.WriteOrForgetAsync(this);
            }

            try
            {
                await indexing;
            }
            finally
            {
                _indexing.Remove(month);
            }
        }

        await MonthGrain(month).Append(entry);
    }

    /// <summary>Tokens are <c>yyyyMM.n</c>: continue in that month after its n newest entries.</summary>
    public async Task<DataAccessPage> Page(string token, int size)
    {
        var months = record.State.Months;
        var (month, skip) = (months.Count > 0 ? months[^1] : string.Empty, 0);
        if (token.Length > 0)
        {
            var parts = token.Split('.');
            if (parts.Length != 2 || !months.Contains(parts[0]) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out skip))
            {
                throw DomainException.InvalidArgument("page_token", "is not a token this RPC gave");
            }

            month = parts[0];
        }

        var page = new List<DataAccess>();
        for (var m = months.IndexOf(month); m >= 0 && page.Count < size; m--, skip = 0)
        {
            var newestFirst = await MonthGrain(months[m]).Newest(skip, size - page.Count + 1);
            var taken = newestFirst.Take(size - page.Count).ToList();
            page.AddRange(taken);
            if (page.Count == size)
            {
                var more = newestFirst.Count > taken.Count || m > 0;
                return new DataAccessPage(page, more ? NextToken(months, m, skip + taken.Count, newestFirst.Count > taken.Count) : string.Empty);
            }
        }

        return new DataAccessPage(page, string.Empty);
    }

    private static string NextToken(List<string> months, int m, int consumed, bool moreInMonth) =>
        moreInMonth ? $"{months[m]}.{consumed}" : $"{months[m - 1]}.0";

    private IDataAccessLogMonthGrain MonthGrain(string month) => grains.GetGrain<IDataAccessLogMonthGrain>($"{this.GetPrimaryKeyString()}/{month}");
}

[GenerateSerializer]
public sealed class DataAccessLogMonthRecord
{
    /// <summary>The entries not yet sealed into a chunk, oldest first.</summary>
    [Id(0)] public List<DataAccess> Entries { get; set; } = [];

    /// <summary>Chunks 0 … n−1 are sealed.</summary>
    [Id(1)] public int SealedChunks { get; set; }
}

/// <summary>
/// One month of a holder's log. Reentrant: appends that arrive while a write is under way wait for the
/// next write, which stores them all at once (a checkpoint verifying one licence a hundred times a
/// second costs a write per round, not per verification). Each append returns once it is stored.
/// Every <see cref="IDataAccessLogMonthGrain.ChunkSize"/> entries are sealed into a chunk grain first
/// and only then dropped from the month's own record, so a crash between the two loses nothing.
/// </summary>
[Reentrant]
[GrainType("dataaccesslogmonth")]
public sealed class DataAccessLogMonthGrain(
    [PersistentState("data-access-month")] IPersistentState<DataAccessLogMonthRecord> record,
    IGrainFactory grains) : Grain, IDataAccessLogMonthGrain
{
    private List<(DataAccess Entry, TaskCompletionSource Stored)> _waiting = [];
    private bool _writing;

    public Task Append(DataAccess entry)
    {
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting.Add((entry, stored));
        if (!_writing)
        {
            _writing = true;
            _ = WriteWaiting();
        }

        return stored.Task;
    }

    public async Task<IReadOnlyList<DataAccess>> Newest(int skip, int take)
    {
        var month = record.State;
        var found = new List<DataAccess>(take);
        IEnumerable<DataAccess> newestFirst = Enumerable.Reverse(month.Entries);
        for (var chunk = month.SealedChunks; found.Count < take; chunk--)
        {
            foreach (var entry in newestFirst)
            {
                if (skip > 0)
                {
                    skip--;
                }
                else if (found.Count < take)
                {
                    found.Add(entry);
                }
            }

            if (chunk == 0)
            {
                break;
            }

            newestFirst = Enumerable.Reverse(await Chunk(chunk - 1).Entries());
        }

        return found;
    }

    private async Task WriteWaiting()
    {
        while (_waiting.Count > 0)
        {
            var batch = _waiting;
            _waiting = [];
            var month = record.State;
            month.Entries.AddRange(batch.Select(b => b.Entry));
            try
            {
                if (month.Entries.Count >= IDataAccessLogMonthGrain.ChunkSize)
                {
                    await Chunk(month.SealedChunks).Seal([.. month.Entries]);
                    month.SealedChunks++;
                    month.Entries = [];
                }

                await record.WriteOrForgetAsync(this);
                batch.ForEach(b => b.Stored.TrySetResult());
            }
            catch (Exception e)
            {
                // The activation is dropped (WriteOrForget): none of these entries is acknowledged; later ones start afresh.
                batch.ForEach(b => b.Stored.TrySetException(e));
                _waiting.ForEach(w => w.Stored.TrySetException(e));
                _waiting = [];
                this.DeactivateOnIdle(); // whatever failed, the next call reloads what is stored
                break;
            }
        }

        _writing = false;
    }

    private IDataAccessLogChunkGrain Chunk(int n) => grains.GetGrain<IDataAccessLogChunkGrain>($"{this.GetPrimaryKeyString()}/{n}");
}

[GenerateSerializer]
public sealed class DataAccessLogChunkRecord
{
    [Id(0)] public List<DataAccess> Entries { get; set; } = [];
}

[GrainType("dataaccesslogchunk")]
public sealed class DataAccessLogChunkGrain(
    [PersistentState("data-access-chunk")] IPersistentState<DataAccessLogChunkRecord> record) : Grain, IDataAccessLogChunkGrain
{
    /// <summary>A retry after a crash between sealing and the month's write seals the same entries and perhaps later ones: it replaces them.</summary>
    public async Task Seal(IReadOnlyList<DataAccess> entries)
    {
        record.State.Entries = [.. entries];
        await record.WriteOrForgetAsync(this);
    }

    public Task<IReadOnlyList<DataAccess>> Entries() => Task.FromResult<IReadOnlyList<DataAccess>>([.. record.State.Entries]);
}

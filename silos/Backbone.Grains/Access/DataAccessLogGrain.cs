using System.Globalization;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Access;

[GenerateSerializer]
public sealed class DataAccessLogRecord
{
    /// <summary>The months (yyyyMM) that hold entries, oldest first.</summary>
    [Id(0)] public List<string> Months { get; set; } = [];
}

/// <summary>
/// A holder's access log: the index of its months. Appends go through it, one at a time per holder,
/// into that month's grain; nothing ever removes or edits an entry.
/// </summary>
public sealed class DataAccessLogGrain(
    [PersistentState("data-access-log")] IPersistentState<DataAccessLogRecord> record,
    IGrainFactory grains) : Grain, IDataAccessLogGrain
{
    public async Task Append(DataAccess entry)
    {
        var month = entry.Time.ToOffset(ChinaTime.Offset).ToString("yyyyMM", CultureInfo.InvariantCulture);
        if (!record.State.Months.Contains(month))
        {
            record.State.Months.Add(month);
            record.State.Months.Sort(StringComparer.Ordinal);
            await record.WriteOrForgetAsync(this);
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
            var newestFirst = (await MonthGrain(months[m]).Entries()).Reverse().Skip(skip).Take(size - page.Count + 1).ToList();
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
    [Id(0)] public List<DataAccess> Entries { get; set; } = [];
}

public sealed class DataAccessLogMonthGrain(
    [PersistentState("data-access-month")] IPersistentState<DataAccessLogMonthRecord> record) : Grain, IDataAccessLogMonthGrain
{
    public async Task Append(DataAccess entry)
    {
        record.State.Entries.Add(entry);
        await record.WriteOrForgetAsync(this);
    }

    public Task<IReadOnlyList<DataAccess>> Entries() => Task.FromResult<IReadOnlyList<DataAccess>>([.. record.State.Entries]);
}

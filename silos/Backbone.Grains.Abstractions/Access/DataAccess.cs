namespace Backbone.Grains.Abstractions.Access;

public enum HolderKind
{
    Citizen = 1,
    Enterprise = 2,
}

/// <summary>Whose data: a citizen (by citizen id) or an enterprise (by its unified social credit code).</summary>
[GenerateSerializer, Immutable]
public sealed record Holder([property: Id(0)] HolderKind Kind, [property: Id(1)] string Id)
{
    public static Holder Citizen(string citizenId) => new(HolderKind.Citizen, citizenId);

    public static Holder Enterprise(string creditCode) => new(HolderKind.Enterprise, creditCode);

    /// <summary>The grain key of this holder's log and certificate index, e.g. <c>citizen:3f…</c>.</summary>
    public string Key => $"{(Kind == HolderKind.Citizen ? "citizen" : "enterprise")}:{Id}";
}

/// <summary>
/// One read of a holder's data by someone else: who (the token's kind, subject, app and, for staff,
/// unit), when, through which RPC, and the purpose the caller stated.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DataAccess(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] string AccessorKind,
    [property: Id(2)] string Accessor,
    [property: Id(3)] string ClientId,
    [property: Id(4)] string AccessorUnit,
    [property: Id(5)] string Rpc,
    [property: Id(6)] string Purpose);

/// <summary>A page of a holder's access log, newest first; <see cref="NextToken"/> is empty on the last page.</summary>
[GenerateSerializer, Immutable]
public sealed record DataAccessPage([property: Id(0)] IReadOnlyList<DataAccess> Entries, [property: Id(1)] string NextToken);

/// <summary>
/// One holder's access log (keyed by <see cref="Holder.Key"/>), append-only: entries are kept in one
/// segment grain per month, so an append rewrites one month, never the whole history.
/// </summary>
public interface IDataAccessLogGrain : IGrainWithStringKey
{
    /// <summary>Returns once the entry is durably stored.</summary>
    Task Append(DataAccess entry);

    /// <summary>Newest first, from <paramref name="token"/> (a previous page's next token; empty for the start).</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<DataAccessPage> Page(string token, int size);
}

/// <summary>
/// One month of one holder's access log, keyed <c>{holder key}/{yyyyMM}</c>. It keeps the newest
/// entries itself and seals every <see cref="ChunkSize"/> of them into a chunk grain, so a write
/// never rewrites more than one chunk however busy the month.
/// </summary>
public interface IDataAccessLogMonthGrain : IGrainWithStringKey
{
    public const int ChunkSize = 256;

    Task Append(DataAccess entry);

    /// <summary>The month's entries newest first, after skipping the <paramref name="skip"/> newest.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<DataAccess>> Newest(int skip, int take);
}

/// <summary>A sealed chunk of a month of a holder's log, keyed <c>{holder key}/{yyyyMM}/{n}</c>: written once.</summary>
public interface IDataAccessLogChunkGrain : IGrainWithStringKey
{
    Task Seal(IReadOnlyList<DataAccess> entries);

    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<DataAccess>> Entries();
}

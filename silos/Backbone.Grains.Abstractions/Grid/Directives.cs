namespace Backbone.Grains.Abstractions.Grid;

/// <summary>A directive as issued: from which unit, what, by when units must acknowledge it, by whom, and whether it reaches down to grids.</summary>
[GenerateSerializer, Immutable]
public sealed record NewDirective(
    [property: Id(0)] string FromUnit,
    [property: Id(1)] string Title,
    [property: Id(2)] string Body,
    [property: Id(3)] DateTimeOffset AckDeadline,
    [property: Id(4)] string Issuer,
    [property: Id(5)] bool IncludeGrids);

/// <summary>A unit's acknowledgement: when and by whom.</summary>
[GenerateSerializer, Immutable]
public sealed record UnitAck([property: Id(0)] DateTimeOffset Time, [property: Id(1)] string By);

[GenerateSerializer, Immutable]
public sealed record LevelCoverage([property: Id(0)] UnitLevel Level, [property: Id(1)] int Acknowledged, [property: Id(2)] int Total);

/// <summary>A directive and how far it has been acknowledged: per level, the units still silent, those escalated at the deadline.</summary>
[GenerateSerializer, Immutable]
public sealed record DirectiveSnapshot(
    [property: Id(0)] string DirectiveId,
    [property: Id(1)] NewDirective Directive,
    [property: Id(2)] DateTimeOffset IssueTime,
    [property: Id(3)] IReadOnlyList<LevelCoverage> Levels,
    [property: Id(4)] IReadOnlyList<string> Silent,
    [property: Id(5)] IReadOnlyList<string> Escalated,
    [property: Id(6)] DateTimeOffset? FullCoverageTime,
    [property: Id(7)] long Version);

/// <summary>
/// A directive as a receiving unit sees it: when it arrived, its acknowledgement, and its child units escalated
/// to it as silent; <paramref name="InboxVersion"/> is the inbox's version when the receipt last changed (0 for
/// receipts stored before inboxes counted their changes).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DirectiveReceipt(
    [property: Id(0)] string DirectiveId,
    [property: Id(1)] NewDirective Directive,
    [property: Id(2)] DateTimeOffset ReceiveTime,
    [property: Id(3)] UnitAck? Ack,
    [property: Id(4)] IReadOnlyList<string> SilentChildren,
    [property: Id(5)] long InboxVersion = 0);

/// <summary>The receipts of an inbox that changed after the version a watcher asked from, oldest change first, and the inbox's version now.</summary>
[GenerateSerializer, Immutable]
public sealed record InboxChanges([property: Id(0)] long Version, [property: Id(1)] IReadOnlyList<DirectiveReceipt> Changed);

/// <summary>
/// One directive, keyed by its id: the units it must reach (every descendant of the issuing unit down
/// to communities, or grids), the fan-out, coverage, and escalation of silent units at the deadline.
/// Acknowledgements are stored by the receiving units; this grain counts them (and recounts them from
/// the units when it wakes).
/// </summary>
public interface IDirectiveGrain : IGrainWithStringKey, IWakeable
{
    /// <summary>
    /// Stores the directive and fans it out; issuing the same one again returns it. Answers once the directive
    /// is stored: a fan-out the cluster cannot finish at once is finished by the directive itself.
    /// </summary>
    Task<DirectiveSnapshot> Issue(NewDirective directive);

    /// <exception cref="Errors.DomainException">NotFound when no directive has this id.</exception>
    [Orleans.Concurrency.ReadOnly]
    Task<DirectiveSnapshot> Get();

    /// <summary>A receiving unit acknowledged (idempotent). Interleaves: it only counts, in memory.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task Acknowledged(string unitCode, UnitAck ack);

    /// <summary>Sends every coverage change to <paramref name="watcher"/> and returns the coverage now; renew within three minutes.</summary>
    Task<DirectiveSnapshot> Watch(IDirectiveWatcher watcher);

    Task Unwatch(IDirectiveWatcher watcher);
}

/// <summary>One issue attempt, keyed by the issuer and request id: a retry returns the first directive and issues nothing.</summary>
public interface IDirectiveIssueGrain : IGrainWithStringKey
{
    Task<DirectiveSnapshot> Issue(NewDirective directive);
}

public interface IDirectiveWatcher : IWatcher
{
    void CoverageChanged(DirectiveSnapshot snapshot);
}

/// <summary>One unit's directives (its inbox), keyed by unit code. Receiving passes the directive on to its child units in parallel.</summary>
public interface IUnitDirectivesGrain : IGrainWithStringKey
{
    /// <summary>Stores the directive (again: nothing changes), then hands it to the child units it must reach.</summary>
    Task Receive(string directiveId, NewDirective directive, DateTimeOffset issueTime);

    /// <summary>The unit acknowledges; FailedPrecondition when it already did (counted once), NotFound when it never received it.</summary>
    Task<DirectiveReceipt> Acknowledge(string directiveId, string by);

    /// <summary>Child units stayed silent past the deadline: they are escalated here (again: nothing changes).</summary>
    Task ChildrenSilent(string directiveId, IReadOnlyList<string> children);

    /// <summary>What a directive asks each unit as it activates (it keeps acknowledgements in memory only).</summary>
    /// <remarks>
    /// Interleaves: a unit's acknowledgement waits on the directive, which may be activating just then and
    /// asking this very unit; a call that queued behind the acknowledgement deadlocked both until timeout.
    /// </remarks>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<UnitAck?> AckOf(string directiveId);

    /// <summary>Does nothing: calling it activates the inbox (which then stays active).</summary>
    [Orleans.Concurrency.ReadOnly]
    Task Wake();

    /// <summary>Newest first (by receive time, then id), the <paramref name="count"/> after <paramref name="after"/> (from the newest when null).</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<ReceiptPage> List(ReceiptCursor? after, int count);

    /// <summary>
    /// Sends every new or changed receipt to <paramref name="watcher"/> and returns those that changed after
    /// version <paramref name="after"/> (none when null), so a watcher that was away catches up; renew within three minutes.
    /// </summary>
    Task<InboxChanges> Watch(IUnitDirectivesWatcher watcher, long? after);

    Task Unwatch(IUnitDirectivesWatcher watcher);
}

/// <summary>Where a page of an inbox ended: its last receipt's receive time and directive id.</summary>
[GenerateSerializer, Immutable]
public sealed record ReceiptCursor([property: Id(0)] DateTimeOffset ReceiveTime, [property: Id(1)] string DirectiveId)
{
    /// <summary>Newest first: a receipt comes after the cursor when it was received earlier (or at the same time, with a lower id).</summary>
    public bool IsBefore(DirectiveReceipt receipt) =>
        receipt.ReceiveTime < ReceiveTime || (receipt.ReceiveTime == ReceiveTime && string.CompareOrdinal(receipt.DirectiveId, DirectiveId) < 0);
}

/// <summary>A page of an inbox, newest first; <paramref name="More"/> when older receipts follow.</summary>
[GenerateSerializer, Immutable]
public sealed record ReceiptPage([property: Id(0)] IReadOnlyList<DirectiveReceipt> Receipts, [property: Id(1)] bool More);

/// <summary>
/// A sealed chunk of a unit's settled receipts (keyed <c>unit/number</c>): written once when sealed, read when
/// a listing, a late acknowledgement or a recount reaches back that far.
/// </summary>
public interface IUnitDirectivesChunkGrain : IGrainWithStringKey
{
    Task Seal(IReadOnlyList<DirectiveReceipt> receipts);

    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<DirectiveReceipt>> Get();
}

/// <summary>Which chunk holds each sealed receipt of a unit (keyed by unit code); read only for receipts no longer in the inbox.</summary>
public interface IUnitDirectivesIndexGrain : IGrainWithStringKey
{
    Task Sealed(int chunk, IReadOnlyList<string> directiveIds);

    [Orleans.Concurrency.ReadOnly]
    Task<int?> ChunkOf(string directiveId);
}

public interface IUnitDirectivesWatcher : IWatcher
{
    void ReceiptChanged(DirectiveReceipt receipt);
}

using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Persistence;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Backbone.Grains.Grid;

/// <summary>
/// When a unit's receipts leave its inbox for sealed chunks: <paramref name="SealAfter"/> past a directive's
/// deadline (its escalation is done by then), <paramref name="ChunkSize"/> receipts at a time.
/// </summary>
public sealed record DirectiveInboxSettings(int ChunkSize, TimeSpan SealAfter)
{
    public static readonly DirectiveInboxSettings Default = new(16, TimeSpan.FromDays(1));
}

[GenerateSerializer]
public sealed class UnitDirectivesRecord
{
    /// <summary>The receipts in the inbox: all but the sealed ones (and a sealed one that changed again).</summary>
    [Id(0)] public Dictionary<string, DirectiveReceipt> Received { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Counts the inbox's changes; each receipt carries the count at its last change.</summary>
    [Id(1)] public long Version { get; set; }

    /// <summary>The sealed chunks, by number: the receive times each spans, so a listing reads only those it reaches.</summary>
    [Id(2)] public List<SealedSpan> Sealed { get; set; } = [];
}

/// <summary>
/// A sealed chunk's span of times (receive times in an inbox, creation times in a grid's archive), and its
/// owner's version at the last change of anything in it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SealedSpan([property: Id(0)] DateTimeOffset Oldest, [property: Id(1)] DateTimeOffset Newest, [property: Id(2)] long LastChange);

/// <summary>
/// One unit's directives: received, acknowledged, and which of its children stayed silent; its staff watch
/// them arrive. Always active (the command network stays in memory, and is woken at start by
/// <c>DirectiveNetwork</c>), so a directive at any hour reaches the whole city without first reading ten
/// thousand inboxes back from storage.
/// </summary>
/// <remarks>
/// An inbox holds only what may still change: once a directive's deadline is a day past (configurable), its
/// receipt is settled, and settled receipts are sealed, a chunk at a time, into chunk grains that are written
/// once. So the inbox a unit keeps in memory, and rewrites on every change, stays the size of its recent
/// directives however many years it has received them; before, it held every directive ever, text included.
/// Where each sealed receipt is, an index grain knows; the inbox asks it only for a receipt it no longer
/// holds (a late acknowledgement, a recount). A sealed receipt that changes comes back into the inbox, which
/// wins over the sealed copy, and is sealed again later.
/// </remarks>
[CollectionAgeLimit(AlwaysActive = true)]
[GrainType("unitdirectives")]
public sealed class UnitDirectivesGrain(
    [PersistentState("unit-directives")] IPersistentState<UnitDirectivesRecord> record,
    GridSeed grid,
    DirectiveInboxSettings settings,
    IGrainFactory grains,
    ILogger<UnitDirectivesGrain> logger,
    TimeProvider clock) : Grain, IUnitDirectivesGrain
{
    private readonly ObserverManager<IUnitDirectivesWatcher> _watchers = new(DirectiveGrain.WatchLifetime, logger);

    private Dictionary<string, DirectiveReceipt> Received => record.State.Received;

    private List<SealedSpan> Sealed => record.State.Sealed;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _watchers.DropAll(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<InboxChanges> Watch(IUnitDirectivesWatcher watcher, long? after)
    {
        _watchers.Subscribe(watcher, watcher);
        if (after is not { } seen)
        {
            return new InboxChanges(record.State.Version, []);
        }

        // A watcher away long enough may have missed changes to receipts that were sealed since: those chunks are read too.
        var changed = Received.Values.Where(r => r.InboxVersion > seen).ToDictionary(r => r.DirectiveId, StringComparer.Ordinal);
        foreach (var n in Enumerable.Range(0, Sealed.Count).Where(n => Sealed[n].LastChange > seen))
        {
            foreach (var receipt in (await Chunk(n).Get()).Where(r => r.InboxVersion > seen))
            {
                KeepLatest(changed, receipt);
            }
        }

        return new InboxChanges(record.State.Version, [.. changed.Values.OrderBy(r => r.InboxVersion)]);
    }

    public Task Unwatch(IUnitDirectivesWatcher watcher)
    {
        _watchers.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    private async Task Store(DirectiveReceipt receipt)
    {
        receipt = receipt with { InboxVersion = ++record.State.Version };
        Received[receipt.DirectiveId] = receipt;
        await record.WriteOrForgetAsync(this);
        _watchers.Notify(w => w.ReceiptChanged(receipt));
        await TrySealSettled();
    }

    public async Task Receive(string directiveId, NewDirective directive, DateTimeOffset issueTime)
    {
        // Stored here while it travels on down: the levels write at the same time (into the same group
        // commits) instead of one after another; the caller hears back once all of them have.
        var deepest = directive.IncludeGrids ? UnitLevel.Grid : UnitLevel.Community;
        var handedDown = grid.ChildrenOf(this.GetPrimaryKeyString()).Where(c => GridUnitCode.LevelOf(c) <= deepest)
            .Select(child => grains.GetGrain<IUnitDirectivesGrain>(child).Receive(directiveId, directive, issueTime)).ToList();
        // A receipt is received after its directive was issued, so one issued after everything sealed cannot be sealed.
        if (!Received.ContainsKey(directiveId) && (Sealed.Count == 0 || issueTime > Sealed.Max(s => s.Newest) || await Find(directiveId) is null))
        {
            handedDown.Add(Store(new DirectiveReceipt(directiveId, directive, clock.GetUtcNow(), null, [])));
        }

        await Task.WhenAll(handedDown);
    }

    public async Task<DirectiveReceipt> Acknowledge(string directiveId, string by)
    {
        var receipt = await Find(directiveId)
            ?? throw DomainException.NotFound($"Unit {this.GetPrimaryKeyString()} did not receive directive {directiveId}.");
        if (receipt.Ack is { } earlier)
        {
            // Counted once: the directive hears of it again (in case it missed it), the caller learns it was done already.
            await grains.GetGrain<IDirectiveGrain>(directiveId).Acknowledged(this.GetPrimaryKeyString(), earlier);
            throw DomainException.FailedPrecondition($"Unit {this.GetPrimaryKeyString()} already acknowledged directive {directiveId} at {earlier.Time:u} ({earlier.By}).");
        }

        receipt = receipt with { Ack = new UnitAck(clock.GetUtcNow(), by) };
        await Store(receipt);
        await grains.GetGrain<IDirectiveGrain>(directiveId).Acknowledged(this.GetPrimaryKeyString(), receipt.Ack!);
        return receipt;
    }

    public async Task ChildrenSilent(string directiveId, IReadOnlyList<string> children)
    {
        if (await Find(directiveId) is { } receipt && children.Except(receipt.SilentChildren, StringComparer.Ordinal).ToList() is { Count: > 0 } added)
        {
            await Store(receipt with { SilentChildren = [.. receipt.SilentChildren, .. added] });
        }
    }

    public Task Wake() => Task.CompletedTask;

    public async Task<UnitAck?> AckOf(string directiveId) => (await Find(directiveId))?.Ack;

    public async Task<ReceiptPage> List(ReceiptCursor? after, int count)
    {
        var found = new Dictionary<string, DirectiveReceipt>(StringComparer.Ordinal);
        foreach (var receipt in Received.Values.Where(r => after is null || after.IsBefore(r)))
        {
            found[receipt.DirectiveId] = receipt;
        }

        // Chunks newest first, each read only while it may hold a receipt of this page: one that starts after the
        // page's last receipt so far (or any, while the page is short).
        var chunks = Enumerable.Range(0, Sealed.Count)
            .Where(n => after is null || Sealed[n].Oldest <= after.ReceiveTime)
            .OrderByDescending(n => Sealed[n].Newest);
        foreach (var n in chunks)
        {
            var page = Newest(found.Values, count + 1);
            if (page.Count > count && Sealed[n].Newest < page[count].ReceiveTime)
            {
                break;
            }

            foreach (var receipt in (await Chunk(n).Get()).Where(r => after is null || after.IsBefore(r)))
            {
                KeepLatest(found, receipt);
            }
        }

        var newest = Newest(found.Values, count + 1);
        return new ReceiptPage([.. newest.Take(count)], newest.Count > count);
    }

    /// <summary>Adds a sealed copy unless a later one is known: the inbox's copy wins over a sealed one; of two sealed copies (sealed, changed, sealed again), the later.</summary>
    private void KeepLatest(Dictionary<string, DirectiveReceipt> found, DirectiveReceipt sealedCopy)
    {
        if (!Received.ContainsKey(sealedCopy.DirectiveId)
            && (!found.TryGetValue(sealedCopy.DirectiveId, out var other) || other.InboxVersion < sealedCopy.InboxVersion))
        {
            found[sealedCopy.DirectiveId] = sealedCopy;
        }
    }

    private static List<DirectiveReceipt> Newest(IEnumerable<DirectiveReceipt> receipts, int count) =>
        [.. receipts.OrderByDescending(r => r.ReceiveTime).ThenByDescending(r => r.DirectiveId, StringComparer.Ordinal).Take(count)];

    /// <summary>The receipt as it is now: in the inbox, or else in the chunk it was last sealed into; null when never received.</summary>
    private async Task<DirectiveReceipt?> Find(string directiveId)
    {
        if (Received.TryGetValue(directiveId, out var receipt))
        {
            return receipt;
        }

        if (Sealed.Count == 0 || await Index().ChunkOf(directiveId) is not { } chunk)
        {
            return null;
        }

        return (await Chunk(chunk).Get()).LastOrDefault(r => r.DirectiveId == directiveId);
    }

    /// <summary>
    /// Seals the oldest settled receipts, a chunk at a time: the chunk is written, then the index, then the inbox
    /// without them. A failure before the inbox's write leaves them in the inbox (which wins) for the next change
    /// to seal again, into the same chunk number; it never fails the change that set it off.
    /// </summary>
    private async Task TrySealSettled()
    {
        var now = clock.GetUtcNow();
        try
        {
            while (true)
            {
                var settled = Received.Values.Where(r => now >= r.Directive.AckDeadline + settings.SealAfter).ToList();
                if (settled.Count < settings.ChunkSize)
                {
                    return;
                }

                var chunk = settled.OrderBy(r => r.ReceiveTime).ThenBy(r => r.DirectiveId, StringComparer.Ordinal).Take(settings.ChunkSize).ToList();
                var number = Sealed.Count;
                await Chunk(number).Seal(chunk);
                await Index().Sealed(number, [.. chunk.Select(r => r.DirectiveId)]);
                foreach (var receipt in chunk)
                {
                    Received.Remove(receipt.DirectiveId);
                }

                Sealed.Add(new SealedSpan(chunk[0].ReceiveTime, chunk.Max(r => r.ReceiveTime), chunk.Max(r => r.InboxVersion)));
                await record.WriteOrForgetAsync(this);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Unit {Unit} could not seal its settled directives; the next change tries again.", this.GetPrimaryKeyString());
        }
    }

    private IUnitDirectivesChunkGrain Chunk(int number) => grains.GetGrain<IUnitDirectivesChunkGrain>($"{this.GetPrimaryKeyString()}/{number}");

    private IUnitDirectivesIndexGrain Index() => grains.GetGrain<IUnitDirectivesIndexGrain>(this.GetPrimaryKeyString());
}

[GenerateSerializer]
public sealed class UnitDirectivesChunkRecord
{
    [Id(0)] public List<DirectiveReceipt> Receipts { get; set; } = [];
}

[CollectionAgeLimit(Minutes = 2)] // read when a listing or a late change reaches back this far, then not again for long
[GrainType("unitdirectiveschunk")]
public sealed class UnitDirectivesChunkGrain([PersistentState("unit-directives-chunk")] IPersistentState<UnitDirectivesChunkRecord> chunk)
    : Grain, IUnitDirectivesChunkGrain
{
    public async Task Seal(IReadOnlyList<DirectiveReceipt> receipts)
    {
        chunk.State.Receipts = [.. receipts];
        await chunk.WriteOrForgetAsync(this);
    }

    public Task<IReadOnlyList<DirectiveReceipt>> Get() => Task.FromResult<IReadOnlyList<DirectiveReceipt>>(chunk.State.Receipts);
}

[GenerateSerializer]
public sealed class UnitDirectivesIndexRecord
{
    /// <summary>Directive id → the chunk its receipt was last sealed into.</summary>
    [Id(0)] public Dictionary<string, int> Chunks { get; set; } = new(StringComparer.Ordinal);
}

[CollectionAgeLimit(Minutes = 2)]
[GrainType("unitdirectivesindex")]
public sealed class UnitDirectivesIndexGrain([PersistentState("unit-directives-index")] IPersistentState<UnitDirectivesIndexRecord> index)
    : Grain, IUnitDirectivesIndexGrain
{
    public async Task Sealed(int chunk, IReadOnlyList<string> directiveIds)
    {
        foreach (var id in directiveIds)
        {
            index.State.Chunks[id] = chunk;
        }

        await index.WriteOrForgetAsync(this);
    }

    public Task<int?> ChunkOf(string directiveId) =>
        Task.FromResult(index.State.Chunks.TryGetValue(directiveId, out var chunk) ? chunk : (int?)null);
}

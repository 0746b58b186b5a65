using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Persistence;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Backbone.Grains.Grid;

[GenerateSerializer]
public sealed class DirectiveRecord
{
    [Id(0)] public NewDirective? Directive { get; set; }
    [Id(1)] public DateTimeOffset IssueTime { get; set; }
    /// <summary>Every unit the directive must reach.</summary>
    [Id(2)] public List<string> Receivers { get; set; } = [];
    /// <summary>The deadline's reminder is set and every receiving unit holds it (what a crash or failure left is finished by a retry or when the grain wakes).</summary>
    [Id(3)] public bool FannedOut { get; set; }
    /// <summary>Units silent at the deadline, escalated to their parents.</summary>
    [Id(4)] public List<string> Escalated { get; set; } = [];

    /// <summary>The acknowledgements known at the deadline (null before it): a later activation recounts only the rest.</summary>
    [Id(5)] public Dictionary<string, UnitAck>? AcksAtDeadline { get; set; }
}

/// <summary>
/// One directive. The fan-out is the tree's: this grain hands the directive to the issuing unit's
/// children, each of them to theirs, in parallel, so no grain loops over the city. Acknowledgements are
/// stored by the units; this grain counts them in memory (recounted from the units when it wakes) and
/// streams the coverage to watchers. A durable reminder escalates the units still silent at the deadline.
/// </summary>
[GrainType("directive")]
public sealed class DirectiveGrain(
    [PersistentState("directive")] IPersistentState<DirectiveRecord> record,
    GridSeed grid,
    IGrainFactory grains,
    ILogger<DirectiveGrain> logger,
    TimeProvider clock) : Grain, IDirectiveGrain, IRemindable
{
    private const string DeadlineReminder = "ack-deadline";

    public static readonly TimeSpan WatchLifetime = TimeSpan.FromMinutes(3);

    private readonly ObserverManager<IDirectiveWatcher> _watchers = new(WatchLifetime, logger);
    private readonly Dictionary<string, UnitAck> _acks = new(StringComparer.Ordinal);

    private AfterSave? _afterSave;

    private DirectiveRecord State => record.State;

    private HashSet<string>? _receivers;

    /// <summary>The receivers as a set: a city-wide directive has ten thousand, each acknowledgement and escalation asks.</summary>
    private HashSet<string> Receivers => _receivers ??= State.Receivers.ToHashSet(StringComparer.Ordinal);

    /// <summary>The reminder and fan-out of a stored directive, retried while unfinished.</summary>
    private AfterSave AfterSave => _afterSave ??= new(this, "Directive", TryFinishIssuing, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Directive is null)
        {
            return;
        }

        await TryFinishIssuing();

        // Past the deadline only the units silent then are asked again: their receipts may be sealed away by now,
        // and a city-wide directive read a year later should not make ten thousand inboxes read their archives.
        foreach (var (unit, ack) in State.AcksAtDeadline ?? [])
        {
            _acks[unit] = ack;
        }

        var unknown = State.Receivers.Where(u => !_acks.ContainsKey(u));
        var acks = await Task.WhenAll(unknown.Select(async unit => (unit, ack: await Inbox(unit).AckOf(this.GetPrimaryKeyString()))));
        foreach (var (unit, ack) in acks.Where(a => a.ack is not null))
        {
            _acks[unit] = ack!;
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _watchers.DropAll(this.GetPrimaryKeyString());
        _afterSave?.Leaving();
        return Task.CompletedTask;
    }

    public Task Wake() => Task.CompletedTask;

    public async Task<DirectiveSnapshot> Issue(NewDirective directive)
    {
        if (State.Directive is null)
        {
            State.Directive = directive;
            State.IssueTime = clock.GetUtcNow();
            State.Receivers = [.. grid.Descendants(directive.FromUnit, directive.IncludeGrids ? UnitLevel.Grid : UnitLevel.Community)];
            _receivers = null;
            await record.WriteOrForgetAsync(this);
        }
        else if (State.Directive != directive)
        {
            throw DomainException.AlreadyExists($"Directive {this.GetPrimaryKeyString()} is already issued.");
        }

        await TryFinishIssuing(); // also on a retry: the attempt that saved the directive may have stopped after it
        return Snapshot();
    }

    public Task<DirectiveSnapshot> Get() => Task.FromResult(State.Directive is null ? throw NotFound() : Snapshot());

    public Task Acknowledged(string unitCode, UnitAck ack)
    {
        if (Receivers.Contains(unitCode) && _acks.TryAdd(unitCode, ack))
        {
            Changed();
        }

        return Task.CompletedTask;
    }

    public Task<DirectiveSnapshot> Watch(IDirectiveWatcher watcher)
    {
        var snapshot = State.Directive is null ? throw NotFound() : Snapshot();
        _watchers.Subscribe(watcher, watcher);
        return Task.FromResult(snapshot);
    }

    public Task Unwatch(IDirectiveWatcher watcher)
    {
        _watchers.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlineReminder || State.Directive is null)
        {
            return;
        }

        if (clock.GetUtcNow() >= State.Directive.AckDeadline)
        {
            var escalated = State.Escalated.ToHashSet(StringComparer.Ordinal);
            var silent = State.Receivers.Where(u => !_acks.ContainsKey(u) && !escalated.Contains(u)).ToList();
            if (silent.Count > 0 || State.AcksAtDeadline is null)
            {
                State.Escalated.AddRange(silent);
                State.AcksAtDeadline ??= new(_acks, StringComparer.Ordinal);
                await record.WriteOrForgetAsync(this);
            }

            // Each parent that received the directive hears of its silent children in one call, one write (the issuing
            // unit sees the coverage). All of them, also on the reminder's next firing after a failure here: a parent keeps a set.
            await Task.WhenAll(State.Escalated.GroupBy(GridUnitCode.ParentOf).Where(children => Receivers.Contains(children.Key))
                .Select(children => Inbox(children.Key).ChildrenSilent(this.GetPrimaryKeyString(), [.. children])));
            if (await this.GetReminder(DeadlineReminder) is { } pending)
            {
                await this.UnregisterReminder(pending);
            }

            Changed();
        }
    }

    /// <summary>What issuing sets off, unless the saved flag says it is done (see <see cref="Persistence.AfterSave"/>); true when done.</summary>
    private async Task<bool> TryFinishIssuing() => State.FannedOut || await AfterSave.Attempt("its deadline's reminder and fan-out", FinishIssuing);

    /// <summary>
    /// What issuing sets off, each step safe to repeat: the deadline's reminder, then the fan-out, whose
    /// saved flag says both are done.
    /// </summary>
    private async Task FinishIssuing()
    {
        var directive = State.Directive!;
        var wait = directive.AckDeadline - clock.GetUtcNow();
        await this.RegisterOrUpdateReminder(DeadlineReminder, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, TimeSpan.FromMinutes(1));
        await Task.WhenAll(grid.ChildrenOf(directive.FromUnit).Where(Receivers.Contains)
            .Select(child => Inbox(child).Receive(this.GetPrimaryKeyString(), directive, State.IssueTime)));
        State.FannedOut = true;
        await record.WriteOrForgetAsync(this);
    }

    private void Changed()
    {
        var snapshot = Snapshot();
        _watchers.Notify(w => w.CoverageChanged(snapshot));
    }

    private IUnitDirectivesGrain Inbox(string unit) => grains.GetGrain<IUnitDirectivesGrain>(unit);

    private DomainException NotFound() => DomainException.NotFound($"No directive with id {this.GetPrimaryKeyString()} exists.");

    private DirectiveSnapshot Snapshot()
    {
        var levels = State.Receivers.GroupBy(GridUnitCode.LevelOf).OrderBy(g => g.Key)
            .Select(g => new LevelCoverage(g.Key, g.Count(_acks.ContainsKey), g.Count())).ToList();
        var silent = State.Receivers.Where(u => !_acks.ContainsKey(u)).ToList();
        DateTimeOffset? full = silent.Count == 0 && _acks.Count > 0 ? _acks.Values.Max(a => a.Time) : null;
        // Acknowledgements and escalations only ever grow, so their count orders the snapshots, also across
        // activations (the acknowledgements are recounted from the units): a watcher keeps the newest.
        return new DirectiveSnapshot(this.GetPrimaryKeyString(), State.Directive!, State.IssueTime, levels, silent, [.. State.Escalated], full,
            _acks.Count + State.Escalated.Count);
    }
}

[GenerateSerializer]
public sealed class DirectiveIssueRecord
{
    [Id(0)] public NewDirective? Directive { get; set; }

    /// <summary>The id chosen for the directive, saved before it is issued so a retry reuses it.</summary>
    [Id(1)] public string? DirectiveId { get; set; }
}

/// <summary>One issue attempt: the directive id is saved first, so a retry after a crash finishes the same directive.</summary>
[CollectionAgeLimit(Minutes = 2)] // used around one request: not held for the default collection age
[GrainType("directiveissue")]
public sealed class DirectiveIssueGrain(
    [PersistentState("directive-issue")] IPersistentState<DirectiveIssueRecord> attempt,
    IGrainFactory grains) : Grain, IDirectiveIssueGrain
{
    public async Task<DirectiveSnapshot> Issue(NewDirective directive)
    {
        var state = attempt.State;
        // A retry may recompute its deadline; anything else different is a different directive.
        if (state.Directive is not null && state.Directive with { AckDeadline = directive.AckDeadline } != directive)
        {
            throw DomainException.InvalidArgument("request_id", "was already used for a different directive; use a new request id for a new directive");
        }

        if (state.DirectiveId is null)
        {
            state.Directive = directive;
            state.DirectiveId = OpaqueIds.New();
            await attempt.WriteOrForgetAsync(this);
        }

        return await grains.GetGrain<IDirectiveGrain>(state.DirectiveId).Issue(state.Directive!);
    }
}

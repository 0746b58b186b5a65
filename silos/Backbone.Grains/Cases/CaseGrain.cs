using System.Globalization;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Certificates;
using Backbone.Grains.Grid;
using Backbone.Grains.Persistence;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class CaseRecord
{
    [Id(0)] public NewCase? Submission { get; set; }
    [Id(1)] public CaseState State { get; set; }
    [Id(2)] public string UnitCode { get; set; } = string.Empty;
    [Id(3)] public string Reply { get; set; } = string.Empty;
    [Id(4)] public CaseRating? Rating { get; set; }
    [Id(5)] public string RatingComment { get; set; } = string.Empty;
    [Id(6)] public int ReopenCount { get; set; }
    [Id(7)] public List<CaseEvent> History { get; set; } = [];
    [Id(8)] public DateTimeOffset CreateTime { get; set; }
    [Id(9)] public DateTimeOffset UpdateTime { get; set; }
    /// <summary>Counts committed changes; the public etag is derived from it.</summary>
    [Id(10)] public long Version { get; set; }
    /// <summary>When the owning unit must have signed for the case (while dispatched).</summary>
    [Id(11)] public DateTimeOffset? AcceptDeadline { get; set; }
    /// <summary>When the owning unit must have replied (once accepted).</summary>
    [Id(12)] public DateTimeOffset? ResolveDeadline { get; set; }
    [Id(13)] public bool Overdue { get; set; }
    /// <summary>How often the case climbed to a parent unit because nobody signed for it in time.</summary>
    [Id(14)] public int EscalationCount { get; set; }
    /// <summary>The version the grid's statistics last acknowledged; saved with the next change.</summary>
    [Id(15)] public long StatsVersion { get; set; }
    /// <summary>When the citizen must have rated the reply; after it the case closes unrated.</summary>
    [Id(16)] public DateTimeOffset? RateDeadline { get; set; }
    [Id(17)] public List<CoHandler> CoHandlers { get; set; } = [];
    /// <summary>For a duplicate: the primary case it was merged into.</summary>
    [Id(18)] public string MergedInto { get; set; } = string.Empty;
    /// <summary>For a primary: the duplicates merged into it, and their citizens, who follow it.</summary>
    [Id(19)] public List<string> MergedCases { get; set; } = [];
    [Id(20)] public List<string> Followers { get; set; } = [];
    /// <summary>Applications: what the unit asked the citizen to add (补正), until they add it.</summary>
    [Id(21)] public List<string> MissingMaterials { get; set; } = [];
    /// <summary>Applications: materials the citizen added after submitting.</summary>
    [Id(22)] public List<string> AddedAttachments { get; set; } = [];
    /// <summary>Applications: the decision's note or reason.</summary>
    [Id(23)] public string Decision { get; set; } = string.Empty;
    /// <summary>Each unit that let the case climb past it, once per escalation.</summary>
    [Id(24)] public List<string> LateUnits { get; set; } = [];
    /// <summary>A bundle's parent: its parts, in the bundle's order.</summary>
    [Id(25)] public List<CasePart> Parts { get; set; } = [];
    /// <summary>Applications approved for a matter that issues a certificate: its number, chosen when approved.</summary>
    [Id(26)] public string CertificateNumber { get; set; } = string.Empty;
    /// <summary>Whatever an approval or denial sets off (issuing the certificate, telling the bundle's parent) is done.</summary>
    [Id(27)] public bool DecisionFollowedUp { get; set; }
    /// <summary>
    /// The version whose deadline is kept, by the grid (told it with the summary) or a bundle parent's own reminder;
    /// saved with the next change.
    /// </summary>
    [Id(28)] public long DeadlineVersion { get; set; }

    /// <summary>
    /// A new case as its submission makes it: submitted, and dispatched at once when a rule routes it; an application
    /// goes to the unit that reviews it; a bundle's parent owns nothing and waits for its parts. Not yet saved (version 0).
    /// </summary>
    public static CaseRecord Filed(NewCase submission, DateTimeOffset now)
    {
        var filed = new CaseRecord { Submission = submission, CreateTime = now };
        if (submission.IsBundle)
        {
            filed.Parts = [.. submission.Parts!.Select(p => new CasePart(p.Application.Category, OpaqueIds.New(), p.After, null, false))];
            filed.Record("submit", null, CaseState.Submitted, new Actor(submission.CitizenId, "citizen", null, null), $"bundle of {filed.Parts.Count} matters", now);
            return filed;
        }

        if (submission.Kind == CaseKind.Application)
        {
            // An application goes straight to the unit that reviews it; a city-level one to the city.
            filed.UnitCode = submission.RoutedUnitCode.Length > 0 ? submission.RoutedUnitCode : submission.GridCode[..GridUnitCode.LevelLengths[0]];
        }

        filed.Record("submit", null, CaseState.Submitted, new Actor(submission.CitizenId, "citizen", null, null), string.Empty, now);
        if (submission.Kind == CaseKind.Appeal && submission.RoutedUnitCode.Length > 0)
        {
            filed.UnitCode = submission.RoutedUnitCode;
            filed.Record("dispatch", CaseState.Submitted, CaseState.Dispatched, Actor.System, $"rule: category {submission.Category}", now);
        }

        return filed;
    }

    /// <summary>A change of state, recorded in the history; entering a state with a deadline sets it.</summary>
    public void Record(string action, CaseState? from, CaseState to, Actor by, string note, DateTimeOffset now)
    {
        if (to == CaseState.Dispatched)
        {
            AcceptDeadline = now + Submission!.AcceptWithin;
        }
        else if (to == CaseState.Accepted)
        {
            ResolveDeadline = now + Submission!.ResolveWithin;
        }

        State = to;
        UpdateTime = now;
        History.Add(new CaseEvent(action, from, to, by.Subject, by.Role ?? by.Kind, by.Unit ?? string.Empty, note, now, UnitCode));
    }

    /// <summary>What the case's grid keeps of it: its figures, listing and next deadline.</summary>
    public CaseSummary Summary() => new(
        State, Overdue, History.Any(e => e.Action == "accept"), History.Any(e => e.Action is "reply" or "approve" or "deny"), Rating,
        Submission!.Category, CreateTime, [.. LateUnits], NextDeadline(), Merged: MergedInto.Length > 0);

    /// <summary>The next deadline that can still pass: a city-level case climbs no further, and an overdue one is flagged once.</summary>
    public DateTimeOffset? NextDeadline() => State switch
    {
        CaseState.Dispatched when UnitCode.Length > 0 && !GridUnitCode.IsCity(UnitCode) => AcceptDeadline,
        CaseState.Accepted or CaseState.InProgress or CaseState.UnderReview when !Overdue => ResolveDeadline,
        CaseState.Replied or CaseState.Approved or CaseState.Denied => RateDeadline,
        _ => null,
    };

    /// <summary>The case as callers read it.</summary>
    public CaseSnapshot Snapshot(string caseId)
    {
        var appeal = Submission!;
        return new CaseSnapshot(
            caseId, State, appeal.Category, appeal.Description, appeal.Location, appeal.Address,
            [.. appeal.AttachmentRefs, .. AddedAttachments],
            appeal.GridCode, UnitCode, appeal.CitizenId, Reply, Rating, RatingComment, ReopenCount, [.. History],
            CreateTime, UpdateTime, Version.ToString(CultureInfo.InvariantCulture),
            AcceptDeadline, ResolveDeadline, Overdue, EscalationCount,
            [.. CoHandlers], MergedInto, [.. MergedCases], appeal.Kind, [.. MissingMaterials], Decision,
            appeal.EnterpriseCode, [.. appeal.Materials ?? []], appeal.ParentCaseId, [.. Parts], CertificateNumber);
    }
}

/// <summary>How often a deadline reminder (a grid's, or a bundle parent's own) fires again while what is due is not yet done.</summary>
public sealed record CaseDeadlineSettings(TimeSpan CheckPeriod);

/// <summary>
/// One case and its history. Each action checks, in order: the actor may see the case (else NotFound),
/// may take this action (else PermissionDenied), and the state allows it (else FailedPrecondition naming
/// the state); then it records who, when and why, and saves before answering.
/// A case not signed for in time climbs to the parent unit (community, street, district, city); one not replied
/// to in time is flagged overdue; a reply not rated in time closes the case. Its grid keeps the deadline (the
/// case's summary carries it) and wakes the case when it comes (<see cref="DeadlineDue"/>), so an open case costs
/// no reminder of its own; a bundle's parent, which no grid lists, keeps one.
/// </summary>
/// <remarks>
/// Idle for two minutes, a case leaves memory (its grid wakes it when a deadline is due, and a watcher's
/// renewal each minute keeps a watched case in): at Orleans' default of 15 minutes an evening's appeal storm
/// held every case of the last quarter-hour, about 7 KB each (docs/benchmarks.md).
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
[GrainType(CaseGrain.TypeName)]
public sealed class CaseGrain(
    [PersistentState(CaseGrain.StateName)] IPersistentState<CaseRecord> record,
    GridSeed grid,
    CertificateIssuer certificates,
    CaseDeadlineSettings deadlines,
    IGrainFactory grains,
    ILogger<CaseGrain> logger,
    TimeProvider clock) : Grain, ICaseGrain, IRemindable
{
    public const string TypeName = "case";

    /// <summary>The name its record is stored under (<see cref="CaseRecord"/>).</summary>
    public const string StateName = "case";

    private const string DeadlineReminder = "deadline";

    /// <summary>Watchers renew every minute; a lapsed one (its call ended without saying so) is dropped.</summary>
    public static readonly TimeSpan WatchLifetime = TimeSpan.FromMinutes(3);

    private const string FollowUpsStep = "its follow-ups";

    private readonly ObserverManager<ICaseWatcher> _watchers = new(WatchLifetime, logger);

    private AfterSave? _afterSave;

    /// <summary>What a saved change set off, retried while unfinished.</summary>
    private AfterSave AfterSave => _afterSave ??= new(this, "Case", FinishUnfinished, logger);

    /// <summary>
    /// What a change set off but did not finish (the host stopped in between, or a node it needed died) is
    /// finished when the case next wakes: the statistics, the deadline's reminder, a decision's certificate
    /// and parent, a bundle's next parts.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Case.Submission is not null)
        {
            await FinishUnfinished();
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _watchers.DropAll(Id);
        _afterSave?.Leaving();
        return Task.CompletedTask;
    }

    public Task Wake() => Task.CompletedTask;

    private CaseRecord Case => record.State;

    private string Id => this.GetPrimaryKeyString();

    private void Record(string action, CaseState? from, CaseState to, Actor by, string note) =>
        Case.Record(action, from, to, by, note, clock.GetUtcNow());

    public async Task<CaseSnapshot> Submit(NewCase appeal)
    {
        if (Case.Submission is not null && !Case.Submission.SameAs(appeal))
        {
            throw DomainException.AlreadyExists("This case id is already taken.");
        }

        // After the case is stored (beside telling its grid), so a listed case always exists; again on a retry, in case
        // the first attempt stopped in between (adding is idempotent). A bundle's parts are listed through it.
        Func<Task>? listForCitizen = appeal.ParentCaseId.Length == 0
            ? () => grains.GetGrain<ICitizenCasesGrain>(appeal.CitizenId).Add(Id)
            : null;
        if (Case.Submission is null)
        {
            return await Create(appeal, listForCitizen);
        }

        await (listForCitizen?.Invoke() ?? Task.CompletedTask);
        return Case.Snapshot(Id);
    }

    private async Task<CaseSnapshot> Create(NewCase appeal, Func<Task>? listForCitizen)
    {
        if (appeal.EnterpriseCode.Length > 0 && appeal.ParentCaseId.Length == 0)
        {
            // Before the case exists, so the enterprise never deregisters past an application it did not know of.
            await grains.GetGrain<Abstractions.Enterprises.IEnterpriseGrain>(appeal.EnterpriseCode).AddApplication(Id);
        }

        record.State = CaseRecord.Filed(appeal, clock.GetUtcNow());
        var saved = await Save(listForCitizen);
        // A bundle's parts are the work: its first ones start now.
        return appeal.IsBundle ? await TryFinishFollowUps() ?? saved : saved;
    }

    public Task<CaseSnapshot> Get(Actor by)
    {
        EnsureVisibleTo(by);
        return Task.FromResult(Case.Snapshot(Id));
    }

    public async Task<CaseSnapshot> InviteCoHandler(Actor by, string unitCode, string note)
    {
        EnsureOwningUnit(by);
        if (grid.Find(unitCode) is null)
        {
            throw DomainException.InvalidArgument("unit_code", $"no grid unit has code {unitCode}");
        }

        if (unitCode == Case.UnitCode || Case.CoHandlers.Any(c => c.UnitCode == unitCode && c.Status == CoHandlerStatus.Invited))
        {
            throw DomainException.FailedPrecondition($"Unit {unitCode} already handles this case.");
        }

        EnsureKind(CaseKind.Appeal, "invite a co-handler to");
        EnsureState("invite a co-handler to", CaseState.Accepted, CaseState.InProgress);
        Case.CoHandlers.RemoveAll(c => c.UnitCode == unitCode);
        Case.CoHandlers.Add(new CoHandler(unitCode, CoHandlerStatus.Invited, string.Empty));
        Record("invite", Case.State, Case.State, by, $"{unitCode}: {note}");
        return await Save();
    }

    public async Task<CaseSnapshot> ReportCoHandling(Actor by, string report)
    {
        EnsureVisibleTo(by);
        var invited = Case.CoHandlers.FindIndex(c => c.Status == CoHandlerStatus.Invited && by.IsStaff && GridUnitCode.IsWithin(c.UnitCode, by.Unit!));
        if (invited < 0)
        {
            throw DomainException.PermissionDenied("Only staff of a unit invited to co-handle this case (and not yet reported) report on it.");
        }

        EnsureState("report on", CaseState.Accepted, CaseState.InProgress);
        Case.CoHandlers[invited] = Case.CoHandlers[invited] with { Status = CoHandlerStatus.Reported, Report = report };
        Record("co-report", Case.State, Case.State, by, report);
        return await Save();
    }

    public async Task<CaseSnapshot> ReleaseCoHandler(Actor by, string unitCode, string note)
    {
        EnsureOwningUnit(by);
        var invited = Case.CoHandlers.FindIndex(c => c.UnitCode == unitCode && c.Status == CoHandlerStatus.Invited);
        if (invited < 0)
        {
            throw DomainException.FailedPrecondition($"Unit {unitCode} is not waiting to report on this case.");
        }

        Case.CoHandlers[invited] = Case.CoHandlers[invited] with { Status = CoHandlerStatus.Released };
        Record("release", Case.State, Case.State, by, $"{unitCode}: {note}");
        return await Save();
    }

    public async Task<CaseSnapshot> MergeInto(Actor by, string primaryCaseId, string note)
    {
        EnsureDispatcher(by);
        if (Case.State == CaseState.Closed)
        {
            return Case.MergedInto == primaryCaseId ? Case.Snapshot(Id) : throw DomainException.FailedPrecondition($"The duplicate is already {CaseNames.Of(CaseState.Closed)}.");
        }

        Case.MergedInto = primaryCaseId;
        Record("merge", Case.State, CaseState.Closed, by, $"duplicate of {primaryCaseId}: {note}");
        return await Save();
    }

    public async Task<CaseSnapshot> AcceptDuplicate(Actor by, string duplicateCaseId, string citizenId)
    {
        EnsureDispatcher(by);
        if (Case.State == CaseState.Closed)
        {
            throw DomainException.FailedPrecondition($"Cannot merge into a case that is {CaseNames.Of(CaseState.Closed)}.");
        }

        if (Case.MergedCases.Contains(duplicateCaseId))
        {
            return Case.Snapshot(Id);
        }

        Case.MergedCases.Add(duplicateCaseId);
        if (citizenId != Case.Submission!.CitizenId && !Case.Followers.Contains(citizenId))
        {
            Case.Followers.Add(citizenId);
        }

        Record("absorb", Case.State, Case.State, by, $"duplicate {duplicateCaseId} merged in");
        return await Save();
    }

    private void EnsureKind(CaseKind kind, string action)
    {
        if (Case.Submission!.Kind != kind)
        {
            throw DomainException.FailedPrecondition($"Cannot {action} a case of kind {CaseNames.Of(Case.Submission.Kind)}.");
        }
    }

    private void EnsureDispatcher(Actor by)
    {
        EnsureVisibleTo(by);
        EnsureKind(CaseKind.Appeal, "merge");
        if (!by.IsDispatcher)
        {
            throw DomainException.PermissionDenied("Only the dispatch centre (dispatchers, city administrators) merges cases.");
        }
    }

    public Task<CaseSnapshot> Watch(Actor by, ICaseWatcher watcher)
    {
        EnsureVisibleTo(by);
        _watchers.Subscribe(watcher, watcher);
        return Task.FromResult(Case.Snapshot(Id));
    }

    public Task Unwatch(ICaseWatcher watcher)
    {
        _watchers.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    public async Task<CaseSnapshot> Dispatch(Actor by, string unitCode, string note)
    {
        EnsureVisibleTo(by);
        if (!by.IsDispatcher)
        {
            throw DomainException.PermissionDenied("Only the dispatch centre (dispatchers, city administrators) dispatches cases.");
        }

        if (grid.Find(unitCode) is null)
        {
            throw DomainException.InvalidArgument("unit_code", $"no grid unit has code {unitCode}");
        }

        EnsureKind(CaseKind.Appeal, "dispatch");
        EnsureState("dispatch", CaseState.Submitted, CaseState.Dispatched);
        var from = Case.State;
        Case.UnitCode = unitCode;
        Record("dispatch", from, CaseState.Dispatched, by, note);
        return await Save();
    }

    public Task<CaseSnapshot> Accept(Actor by, string note) =>
        UnitAction(by, "accept", [Case.Submission?.Kind == CaseKind.Application ? CaseState.Submitted : CaseState.Dispatched], CaseState.Accepted, note);

    public async Task<CaseSnapshot> Return(Actor by, string reason)
    {
        EnsureOwningUnit(by);
        EnsureKind(CaseKind.Appeal, "return");
        EnsureState("return", CaseState.Dispatched, CaseState.Accepted);
        var from = Case.State;
        Case.UnitCode = string.Empty;
        Record("return", from, CaseState.Submitted, by, reason);
        return await Save();
    }

    public Task<CaseSnapshot> Start(Actor by, string note) =>
        UnitAction(by, "start", [CaseState.Accepted], Case.Submission?.Kind == CaseKind.Application ? CaseState.UnderReview : CaseState.InProgress, note);

    public async Task<CaseSnapshot> RequestSupplement(Actor by, IReadOnlyList<string> missingMaterials, string note)
    {
        EnsureOwningUnit(by);
        EnsureKind(CaseKind.Application, "ask for materials on");
        EnsureState("ask for materials on", CaseState.Submitted);
        Case.MissingMaterials = [.. missingMaterials];
        Record("request-supplement", CaseState.Submitted, CaseState.SupplementRequired, by, $"{string.Join("、", missingMaterials)}: {note}");
        return await Save();
    }

    public async Task<CaseSnapshot> Resubmit(Actor by, IReadOnlyList<string> attachmentRefs, string note)
    {
        EnsureVisibleTo(by);
        if (!by.IsCitizen || by.Subject != Case.Submission!.CitizenId)
        {
            throw DomainException.PermissionDenied("Only the citizen who applied adds materials.");
        }

        EnsureState("resubmit", CaseState.SupplementRequired);
        Case.AddedAttachments.AddRange(attachmentRefs);
        Case.MissingMaterials.Clear();
        Record("resubmit", CaseState.SupplementRequired, CaseState.Submitted, by, note);
        return await Save();
    }

    public async Task<CaseSnapshot> Decide(Actor by, bool approve, string reason)
    {
        EnsureOwningUnit(by);
        EnsureKind(CaseKind.Application, "decide");
        EnsureState("decide", CaseState.UnderReview);
        Case.Decision = reason;
        Case.RateDeadline = clock.GetUtcNow() + Case.Submission!.RateWithin;
        Case.CertificateNumber = approve ? certificates.NumberFor(Case.Submission.Category, Id, clock.GetUtcNow()) ?? string.Empty : string.Empty;
        Record(approve ? "approve" : "deny", CaseState.UnderReview, approve ? CaseState.Approved : CaseState.Denied, by, reason);
        var decided = await Save();
        return await TryFinishFollowUps() ?? decided;
    }

    public Task<CaseState> State() => Case.Submission is null ? throw NotFound() : Task.FromResult(Case.State);

    public async Task PartDecided(string caseId, bool approved)
    {
        var index = Case.Parts.FindIndex(p => p.CaseId == caseId);
        if (index < 0)
        {
            return;
        }

        if (Case.Parts[index].State is CaseState.Approved or CaseState.Denied)
        {
            await TryFinishFollowUps(); // told again: the first time may have saved and then failed to start the next parts
            return;
        }

        var part = Case.Parts[index] = Case.Parts[index] with { State = approved ? CaseState.Approved : CaseState.Denied };
        if (!approved)
        {
            SkipWaitingOn(part.Service);
        }

        Record(approved ? "part-approve" : "part-deny", Case.State, Case.State, Actor.System, $"{part.Service}: {caseId}");
        if (Case.Parts.All(p => p.Skipped || p.State is CaseState.Approved or CaseState.Denied))
        {
            var failed = Case.Parts.Where(p => p.State != CaseState.Approved).Select(p => p.Service).ToList();
            Case.Decision = failed.Count == 0 ? "every part approved" : $"not approved: {string.Join(", ", failed)}";
            Case.RateDeadline = clock.GetUtcNow() + Case.Submission!.RateWithin;
            Record(failed.Count == 0 ? "approve" : "deny", Case.State, failed.Count == 0 ? CaseState.Approved : CaseState.Denied, Actor.System, Case.Decision);
        }

        await Save();
        await TryFinishFollowUps();
    }

    /// <summary>Parts waiting (directly or through others) on a denied matter never start.</summary>
    private void SkipWaitingOn(string service)
    {
        for (var i = 0; i < Case.Parts.Count; i++)
        {
            if (Case.Parts[i].After == service && Case.Parts[i].State is null && !Case.Parts[i].Skipped)
            {
                Case.Parts[i] = Case.Parts[i] with { Skipped = true };
                SkipWaitingOn(Case.Parts[i].Service);
            }
        }
    }

    /// <summary>
    /// Submits each part whose prerequisite is approved and that has not started, its pending materials
    /// completed from the certificates the earlier parts issued; the latest snapshot when any started.
    /// </summary>
    private async Task<CaseSnapshot?> StartReadyParts()
    {
        CaseSnapshot? latest = null;
        foreach (var part in Case.Parts.ToList())
        {
            var ready = part.State is null && !part.Skipped
                && (part.After.Length == 0 || Case.Parts.Any(p => p.Service == part.After && p.State == CaseState.Approved));
            if (!ready)
            {
                continue;
            }

            var application = Case.Submission!.Parts!.First(p => p.Application.Category == part.Service).Application;
            var materials = await certificates.CompletePending(application.Materials ?? [], HolderOf(application), clock.GetUtcNow());
            await grains.GetGrain<ICaseGrain>(part.CaseId).Submit(application with { ParentCaseId = Id, Materials = materials });
            Case.Parts[Case.Parts.IndexOf(part)] = part with { State = CaseState.Submitted };
            Record("part-start", Case.State, Case.State, Actor.System, $"{part.Service}: {part.CaseId}");
            latest = await Save();
        }

        return latest;
    }

    /// <summary>
    /// After a decision: the certificate an approval issues, then the bundle's parent hears of it. Both
    /// are idempotent, so a retry after a crash repeats them safely. The latest snapshot when anything was done.
    /// </summary>
    private async Task<CaseSnapshot?> FinishFollowUps()
    {
        if (Case.Parts.Count > 0)
        {
            return await StartReadyParts();
        }

        var decided = Case.History.FirstOrDefault(e => e.Action is "approve" or "deny");
        if (decided is null || Case.DecisionFollowedUp)
        {
            return null;
        }

        if (Case.CertificateNumber.Length > 0)
        {
            var unit = decided.UnitCode.Length > 0 ? decided.UnitCode : Case.UnitCode;
            await certificates.Issue(Case.CertificateNumber, Case.Submission!.Category, HolderOf(Case.Submission), unit, decided.Time, Id);
        }

        if (Case.Submission!.ParentCaseId.Length > 0)
        {
            await grains.GetGrain<ICaseGrain>(Case.Submission.ParentCaseId).PartDecided(Id, decided.Action == "approve");
        }

        Case.DecisionFollowedUp = true;
        await record.WriteOrForgetAsync(this);
        return Case.Snapshot(Id);
    }

    private static Abstractions.Access.Holder HolderOf(NewCase application) => application.EnterpriseCode.Length > 0
        ? Abstractions.Access.Holder.Enterprise(application.EnterpriseCode)
        : Abstractions.Access.Holder.Citizen(application.CitizenId);

    public async Task<CaseSnapshot> Reply(Actor by, string reply)
    {
        EnsureOwningUnit(by);
        EnsureKind(CaseKind.Appeal, "reply to");
        EnsureState("reply", CaseState.InProgress);
        var waiting = Case.CoHandlers.Where(c => c.Status == CoHandlerStatus.Invited).Select(c => c.UnitCode).ToList();
        if (waiting.Count > 0)
        {
            throw DomainException.FailedPrecondition(
                $"Cannot reply yet: co-handling units {string.Join(", ", waiting)} have not reported; wait for them or release them.");
        }

        Case.Reply = reply;
        Case.RateDeadline = clock.GetUtcNow() + Case.Submission!.RateWithin;
        Record("reply", CaseState.InProgress, CaseState.Replied, by, reply);
        return await Save();
    }

    public async Task<CaseSnapshot> Rate(Actor by, CaseRating rating, string comment)
    {
        EnsureVisibleTo(by);
        if (!by.IsCitizen || by.Subject != Case.Submission!.CitizenId)
        {
            throw DomainException.PermissionDenied("Only the citizen who submitted the case rates it.");
        }

        EnsureState("rate", Case.Submission.Kind == CaseKind.Application ? [CaseState.Approved, CaseState.Denied] : [CaseState.Replied]);
        var from = Case.State;
        Case.Rating = rating;
        Case.RatingComment = comment;
        if (rating == CaseRating.Unsatisfied && Case.Submission.Kind == CaseKind.Appeal)
        {
            Case.ReopenCount++;
            Case.ResolveDeadline = clock.GetUtcNow() + Case.Submission!.ResolveWithin; // the unit's clock starts again
            Case.Overdue = false;
            Record("reopen", CaseState.Replied, CaseState.InProgress, by, comment);
        }
        else
        {
            Record("close", from, CaseState.Closed, by, comment);
        }

        return await Save();
    }

    private async Task<CaseSnapshot> UnitAction(Actor by, string action, CaseState[] allowed, CaseState to, string note)
    {
        EnsureOwningUnit(by);
        EnsureState(action, allowed);
        Record(action, Case.State, to, by, note);
        return await Save();
    }

    /// <summary>
    /// Its citizen and the citizens of duplicates merged into it; staff whose subtree holds the case's grid,
    /// its owning unit or a co-handling unit. Anyone else: as if it did not exist.
    /// </summary>
    private void EnsureVisibleTo(Actor by)
    {
        var appeal = Case.Submission ?? throw NotFound();
        var visible = by.IsCitizen
            ? by.Subject == appeal.CitizenId || Case.Followers.Contains(by.Subject)
            : by.IsStaff && by.Unit is { } unit
                && (by.IsDispatcher || GridUnitCode.IsWithin(appeal.GridCode, unit) || (Case.UnitCode.Length > 0 && GridUnitCode.IsWithin(Case.UnitCode, unit))
                    || Case.CoHandlers.Any(c => GridUnitCode.IsWithin(c.UnitCode, unit)));
        if (!visible)
        {
            throw NotFound();
        }
    }

    /// <summary>Staff of the owning unit or of a unit above it.</summary>
    private void EnsureOwningUnit(Actor by)
    {
        EnsureVisibleTo(by);
        if (!by.IsStaff || Case.UnitCode.Length == 0 || !GridUnitCode.IsWithin(Case.UnitCode, by.Unit!))
        {
            throw DomainException.PermissionDenied(Case.UnitCode.Length == 0
                ? "The case waits for the dispatch centre; no unit owns it yet."
                : $"Only staff of unit {Case.UnitCode} (or above it) act on this case.");
        }
    }

    private void EnsureState(string action, params CaseState[] allowed)
    {
        if (!allowed.Contains(Case.State))
        {
            throw DomainException.FailedPrecondition(
                $"Cannot {action} a case that is {CaseNames.Of(Case.State)}; {action} needs {string.Join(" or ", allowed.Select(CaseNames.Of))}.");
        }
    }

    /// <param name="alongside">Another step that follows from the stored change; its failure fails the call (after the grid is told).</param>
    private async Task<CaseSnapshot> Save(Func<Task>? alongside = null)
    {
        Case.Version++;
        await record.WriteOrForgetAsync(this);
        // Both follow from the stored case and neither needs the other: their writes share a group commit.
        await Task.WhenAll(IsBundleParent ? TryScheduleDeadline() : TryTellGrid(), alongside?.Invoke() ?? Task.CompletedTask);
        var snapshot = Case.Snapshot(Id);
        _watchers.Notify(watcher => watcher.CaseChanged(snapshot));
        return snapshot;
    }

    /// <summary>A bundle's parent is no unit's work (its parts are counted) and no grid lists it: it keeps its own deadline reminder.</summary>
    private bool IsBundleParent => Case.Parts.Count > 0;

    /// <summary>
    /// The case's grid learns the case's current summary, with its next deadline: the grid's statistics (and
    /// through it every unit's above), its listings and its deadline reminder follow (see <see cref="Persistence.AfterSave"/>).
    /// </summary>
    private Task<bool> TryTellGrid() => AfterSave.Attempt("telling its grid", async () =>
    {
        await Grid.Apply(Id, Case.Version, Case.Summary());
        Case.StatsVersion = Case.DeadlineVersion = Case.Version;
    });

    private IUnitCasesGrain Grid => grains.GetGrain<IUnitCasesGrain>(Case.Submission!.GridCode);

    public async Task DeadlineDue()
    {
        if (Case.Submission is not null)
        {
            await PassDueDeadline();
        }
    }

    /// <summary>
    /// A bundle parent's own reminder; for any other case, one an earlier build set (before grids kept deadlines):
    /// that case's deadline is handed to its grid and the reminder removed.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlineReminder || Case.Submission is null)
        {
            return;
        }

        var passed = await PassDueDeadline();
        if (IsBundleParent)
        {
            if (!passed)
            {
                await ScheduleDeadline();
            }

            return;
        }

        await Grid.Apply(Id, Case.Version, Case.Summary());
        if (await this.GetReminder(DeadlineReminder) is { } legacy)
        {
            await this.UnregisterReminder(legacy);
        }
    }

    /// <summary>Whatever the passed deadline of the case's state calls for; false when none has passed.</summary>
    private async Task<bool> PassDueDeadline()
    {
        var now = clock.GetUtcNow();
        if (Case.State == CaseState.Dispatched && now >= Case.AcceptDeadline && GridUnitCode.ParentOf(Case.UnitCode) is { Length: > 0 } parent)
        {
            var late = Case.UnitCode;
            Case.UnitCode = parent;
            Case.EscalationCount++;
            Case.LateUnits.Add(late);
            Record("escalate", CaseState.Dispatched, CaseState.Dispatched, Actor.System,
                $"unit {late} did not sign for it within {Case.Submission!.AcceptWithin}");
        }
        else if (Case.State is CaseState.Replied or CaseState.Approved or CaseState.Denied && now >= Case.RateDeadline)
        {
            Record("close", Case.State, CaseState.Closed, Actor.System, $"not rated within {Case.Submission!.RateWithin}");
        }
        else if (Case.State is CaseState.Accepted or CaseState.InProgress or CaseState.UnderReview && now >= Case.ResolveDeadline && !Case.Overdue)
        {
            Case.Overdue = true;
            Record("overdue", Case.State, Case.State, Actor.System, $"unit {Case.UnitCode} did not reply within {Case.Submission!.ResolveWithin}");
        }
        else
        {
            return false;
        }

        await Save();
        return true;
    }

    /// <summary>A bundle parent's own reminder follows the saved case (see <see cref="Persistence.AfterSave"/>).</summary>
    private Task<bool> TryScheduleDeadline() => AfterSave.Attempt("setting its deadline's reminder", async () =>
    {
        await ScheduleDeadline();
        Case.DeadlineVersion = Case.Version;
    });

    /// <summary><see cref="FinishFollowUps"/> after a saved change (see <see cref="Persistence.AfterSave"/>); the latest snapshot when anything was done.</summary>
    private async Task<CaseSnapshot?> TryFinishFollowUps()
    {
        CaseSnapshot? latest = null;
        await AfterSave.Attempt(FollowUpsStep, async () => latest = await FinishFollowUps());
        return latest;
    }

    /// <summary>Every step the saved case says is unfinished, each through <see cref="Persistence.AfterSave"/>; true when none is left.</summary>
    private async Task<bool> FinishUnfinished()
    {
        // A case saved by a build before grids kept deadlines may have its grid told but not its deadline.
        var done = IsBundleParent
            ? Case.DeadlineVersion >= Case.Version || await TryScheduleDeadline()
            : Math.Min(Case.StatsVersion, Case.DeadlineVersion) >= Case.Version || await TryTellGrid();
        return done & await AfterSave.Attempt(FollowUpsStep, FinishFollowUps);
    }

    /// <summary>A bundle parent's own reminder at its next deadline; none when nothing is pending.</summary>
    private async Task ScheduleDeadline()
    {
        if (Case.NextDeadline() is { } due)
        {
            var wait = due - clock.GetUtcNow();
            await this.RegisterOrUpdateReminder(DeadlineReminder, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, deadlines.CheckPeriod);
        }
        else if (await this.GetReminder(DeadlineReminder) is { } pending)
        {
            await this.UnregisterReminder(pending);
        }
    }

    private DomainException NotFound() => DomainException.NotFound($"No case with id {Id} exists.");

}

/// <summary>Case enums as the contract spells them (CASE_STATE_IN_PROGRESS), for messages callers read.</summary>
public static partial class CaseNames
{
    public static string Of(CaseState state) => Contract("CASE_STATE", state.ToString());

    public static string Of(CaseKind kind) => Contract("CASE_KIND", kind.ToString());

    private static string Contract(string prefix, string member) => $"{prefix}_{WordStart().Replace(member, "_$1").ToUpperInvariant()}";

    [System.Text.RegularExpressions.GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial System.Text.RegularExpressions.Regex WordStart();
}

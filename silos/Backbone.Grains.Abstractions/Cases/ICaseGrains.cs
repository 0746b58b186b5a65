namespace Backbone.Grains.Abstractions.Cases;

/// <summary>
/// One case, keyed by its id: the only writer of the case, so concurrent actions are serialised here.
/// Every method checks the actor may see and do it (a case the actor may not see is NotFound) and that
/// the current state allows it (FailedPrecondition naming the state).
/// </summary>
public interface ICaseGrain : IGrainWithStringKey, IWakeable
{
    /// <summary>
    /// Creates the case and lists it for its citizen (a bundle's parts only through their bundle); again with
    /// the same appeal returns it unchanged (and lists it, if the first attempt stopped before). A different
    /// appeal under the same id: AlreadyExists.
    /// </summary>
    Task<CaseSnapshot> Submit(NewCase appeal);

    [Orleans.Concurrency.ReadOnly]
    Task<CaseSnapshot> Get(Actor by);

    Task<CaseSnapshot> Dispatch(Actor by, string unitCode, string note);

    Task<CaseSnapshot> Accept(Actor by, string note);

    Task<CaseSnapshot> Return(Actor by, string reason);

    Task<CaseSnapshot> Start(Actor by, string note);

    Task<CaseSnapshot> Reply(Actor by, string reply);

    Task<CaseSnapshot> Rate(Actor by, CaseRating rating, string comment);

    /// <summary>Applications: the owning unit asks the citizen for missing materials (补正).</summary>
    Task<CaseSnapshot> RequestSupplement(Actor by, IReadOnlyList<string> missingMaterials, string note);

    /// <summary>Applications: the citizen adds the missing materials, which returns the application to review.</summary>
    Task<CaseSnapshot> Resubmit(Actor by, IReadOnlyList<string> attachmentRefs, string note);

    /// <summary>Applications under review: the owning unit approves, or denies with a reason.</summary>
    Task<CaseSnapshot> Decide(Actor by, bool approve, string reason);

    /// <summary>The owning unit invites another unit to handle part of the case; the reply waits for its report.</summary>
    Task<CaseSnapshot> InviteCoHandler(Actor by, string unitCode, string note);

    /// <summary>Staff of an invited unit report their part.</summary>
    Task<CaseSnapshot> ReportCoHandling(Actor by, string report);

    /// <summary>The owning unit releases an invited unit that has not reported.</summary>
    Task<CaseSnapshot> ReleaseCoHandler(Actor by, string unitCode, string note);

    /// <summary>The dispatch centre closes this case as a duplicate of <paramref name="primaryCaseId"/>.</summary>
    Task<CaseSnapshot> MergeInto(Actor by, string primaryCaseId, string note);

    /// <summary>
    /// The dispatch centre adds a duplicate to this (primary) case: the duplicate's citizen may now
    /// read and watch it.
    /// </summary>
    Task<CaseSnapshot> AcceptDuplicate(Actor by, string duplicateCaseId, string citizenId);

    /// <summary>
    /// Sends every later change to <paramref name="watcher"/> and returns the case as it is now. A
    /// subscription lapses after a few minutes unless renewed by calling this again.
    /// </summary>
    Task<CaseSnapshot> Watch(Actor by, ICaseWatcher watcher);

    Task Unwatch(ICaseWatcher watcher);

    /// <summary>The state alone, for the rules (an enterprise's deregistration asks whether its applications are still open).</summary>
    /// <remarks>Interleaves, so an enterprise asking while this case waits on that enterprise does not deadlock.</remarks>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<CaseState> State();

    /// <summary>A bundle's parent hears that its part <paramref name="caseId"/> was decided; hearing it again changes nothing.</summary>
    Task PartDecided(string caseId, bool approved);

    /// <summary>
    /// Its grid says the case's deadline has come: the case climbs, turns overdue or closes, as its state says, or
    /// does nothing when no deadline of its own has passed. One-way: the case then tells the grid, which is waiting
    /// on nobody.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task DeadlineDue();
}

/// <summary>Receives a case's changes (a gRPC WatchCase call holds one).</summary>
public interface ICaseWatcher : IWatcher
{
    void CaseChanged(CaseSnapshot snapshot);
}

/// <summary>The ids of one citizen's cases, keyed by citizen id, kept as cases are submitted (nothing scans storage).</summary>
public interface ICitizenCasesGrain : IGrainWithStringKey
{
    Task Add(string caseId);

    /// <summary>
    /// Up to <paramref name="count"/> ids, newest first, of the cases added before the one at
    /// <paramref name="before"/> (positions count from the first case, 0, and never change; null: from the newest).
    /// </summary>
    [Orleans.Concurrency.ReadOnly]
    Task<CaseIdPage> Page(int? before, int count);
}

/// <summary>A sealed run of a citizen's older case ids, keyed <c>{citizen id}/{chunk number}</c>; written once.</summary>
public interface ICitizenCasesChunkGrain : IGrainWithStringKey
{
    /// <summary>Stores the ids (again, after a crash between sealing and forgetting: the same ids).</summary>
    Task Seal(IReadOnlyList<string> caseIds);

    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<string>> Get();
}

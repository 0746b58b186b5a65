using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Abstractions.Cases;

public enum CaseKind
{
    /// <summary>A 12345-hotline style request (一键回应).</summary>
    Appeal = 1,

    /// <summary>An application for a public service (一网通办).</summary>
    Application = 2,
}

public enum CaseState
{
    Submitted = 1,
    Dispatched = 2,
    Accepted = 3,
    InProgress = 4,
    Replied = 5,
    Closed = 6,
    SupplementRequired = 7,
    UnderReview = 8,
    Approved = 9,
    Denied = 10,
}

public enum CaseRating
{
    Satisfied = 1,
    BasicallySatisfied = 2,
    Unsatisfied = 3,
}

/// <summary>Who acts on a case: a token's subject, kind, and for staff their role and unit; or the rules (<see cref="System"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record Actor(
    [property: Id(0)] string Subject,
    [property: Id(1)] string Kind,
    [property: Id(2)] string? Role,
    [property: Id(3)] string? Unit)
{
    public static readonly Actor System = new("system", "system", null, null);

    public bool IsCitizen => Kind == "citizen";

    public bool IsStaff => Kind == "staff";

    /// <summary>The city dispatch centre: dispatchers and city administrators.</summary>
    public bool IsDispatcher => IsStaff && Role is "dispatcher" or "city_admin";
}

/// <summary>
/// A validated appeal, already routed: the grid of its location and the unit its category's rule names
/// (empty: the dispatch centre), with the category's deadlines as they were when it was submitted.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewCase(
    [property: Id(0)] string CitizenId,
    [property: Id(1)] string Category,
    [property: Id(2)] string Description,
    [property: Id(3)] GeoPoint Location,
    [property: Id(4)] string Address,
    [property: Id(5)] IReadOnlyList<string> AttachmentRefs,
    [property: Id(6)] string GridCode,
    [property: Id(7)] string RoutedUnitCode,
    [property: Id(8)] TimeSpan AcceptWithin,
    [property: Id(9)] TimeSpan ResolveWithin,
    [property: Id(10)] TimeSpan RateWithin,
    [property: Id(11)] CaseKind Kind = CaseKind.Appeal,
    [property: Id(12)] string EnterpriseCode = "",
    [property: Id(13)] IReadOnlyList<AttachedMaterial>? Materials = null,
    [property: Id(14)] string ParentCaseId = "",
    [property: Id(15)] IReadOnlyList<NewCasePart>? Parts = null)
{
    /// <summary>
    /// The same submission: what the applicant sent, lists compared by content (a retry after a round
    /// trip through storage). Materials are not compared: they are what the city held at the time, and
    /// a retry may find a certificate issued since.
    /// </summary>
    public bool SameAs(NewCase other) =>
        this with { AttachmentRefs = [], Materials = null, Parts = null } == other with { AttachmentRefs = [], Materials = null, Parts = null }
        && AttachmentRefs.SequenceEqual(other.AttachmentRefs)
        && (Parts ?? []).Select(p => p.Application.Category).SequenceEqual((other.Parts ?? []).Select(p => p.Application.Category));

    /// <summary>A bundle's parent case (一件事): it owns no work itself, its parts do.</summary>
    public bool IsBundle => Parts is { Count: > 0 };
}

public enum MaterialSource
{
    /// <summary>The applicant uploaded it (the reference names the upload).</summary>
    Provided = 1,

    /// <summary>A valid electronic certificate the city holds (the reference is its number).</summary>
    Certificate = 2,

    /// <summary>The applicant's or the enterprise's register entry (the reference is its id).</summary>
    Record = 3,

    /// <summary>Waits for a certificate an earlier part of the same bundle issues (the reference is its type).</summary>
    Pending = 4,
}

/// <summary>A required material of an application and what stands for it.</summary>
[GenerateSerializer, Immutable]
public sealed record AttachedMaterial(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] MaterialSource Source,
    [property: Id(3)] string Reference);

/// <summary>One part of a bundle as submitted: the application it becomes, and the matter it waits for (empty: none).</summary>
[GenerateSerializer, Immutable]
public sealed record NewCasePart([property: Id(0)] NewCase Application, [property: Id(1)] string After);

/// <summary>A part of a bundle as its parent knows it: the child case, its matter, and its state when last heard of.</summary>
[GenerateSerializer, Immutable]
public sealed record CasePart(
    [property: Id(0)] string Service,
    [property: Id(1)] string CaseId,
    [property: Id(2)] string After,
    [property: Id(3)] CaseState? State,
    [property: Id(4)] bool Skipped);

[GenerateSerializer, Immutable]
public sealed record CaseEvent(
    [property: Id(0)] string Action,
    [property: Id(1)] CaseState? From,
    [property: Id(2)] CaseState To,
    [property: Id(3)] string Actor,
    [property: Id(4)] string ActorRole,
    [property: Id(5)] string ActorUnit,
    [property: Id(6)] string Note,
    [property: Id(7)] DateTimeOffset Time,
    [property: Id(8)] string UnitCode);

[GenerateSerializer, Immutable]
public sealed record CaseSnapshot(
    [property: Id(0)] string CaseId,
    [property: Id(1)] CaseState State,
    [property: Id(2)] string Category,
    [property: Id(3)] string Description,
    [property: Id(4)] GeoPoint Location,
    [property: Id(5)] string Address,
    [property: Id(6)] IReadOnlyList<string> AttachmentRefs,
    [property: Id(7)] string GridCode,
    [property: Id(8)] string UnitCode,
    [property: Id(9)] string CitizenId,
    [property: Id(10)] string Reply,
    [property: Id(11)] CaseRating? Rating,
    [property: Id(12)] string RatingComment,
    [property: Id(13)] int ReopenCount,
    [property: Id(14)] IReadOnlyList<CaseEvent> History,
    [property: Id(15)] DateTimeOffset CreateTime,
    [property: Id(16)] DateTimeOffset UpdateTime,
    [property: Id(17)] string Etag,
    [property: Id(18)] DateTimeOffset? AcceptDeadline,
    [property: Id(19)] DateTimeOffset? ResolveDeadline,
    [property: Id(20)] bool Overdue,
    [property: Id(21)] int EscalationCount,
    [property: Id(22)] IReadOnlyList<CoHandler> CoHandlers,
    [property: Id(23)] string MergedInto,
    [property: Id(24)] IReadOnlyList<string> MergedCases,
    [property: Id(25)] CaseKind Kind,
    [property: Id(26)] IReadOnlyList<string> MissingMaterials,
    [property: Id(27)] string Decision,
    [property: Id(28)] string EnterpriseCode,
    [property: Id(29)] IReadOnlyList<AttachedMaterial> Materials,
    [property: Id(30)] string ParentCaseId,
    [property: Id(31)] IReadOnlyList<CasePart> Parts,
    [property: Id(32)] string CertificateNumber);

public enum CoHandlerStatus
{
    Invited = 1,
    Reported = 2,
    Released = 3,
}

/// <summary>A unit the owning unit invited to handle part of a case (协同处置), and what it reported.</summary>
[GenerateSerializer, Immutable]
public sealed record CoHandler(
    [property: Id(0)] string UnitCode,
    [property: Id(1)] CoHandlerStatus Status,
    [property: Id(2)] string Report);

/// <summary>A page of a citizen's case ids, newest first; <paramref name="Next"/>: the position the next page starts before, null when none is left.</summary>
[GenerateSerializer, Immutable]
public sealed record CaseIdPage([property: Id(0)] IReadOnlyList<string> CaseIds, [property: Id(2)] int? Next);

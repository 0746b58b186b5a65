using System.Globalization;
using Backbone.Grains;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Cases;
using Backbone.Grains.Grid;
using Backbone.Grains.Privacy;
using Backbone.Silo.Errors;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Case = Backbone.V1.Case;
using CaseEvent = Backbone.Grains.Abstractions.Cases.CaseEvent;
using CaseKind = Backbone.Grains.Abstractions.Cases.CaseKind;

namespace Backbone.Silo.Cases;

/// <summary>The case flow over gRPC: validates, names the actor, calls the case grains (which check who may do what), maps the answer.</summary>
public sealed class CaseService(
    IGrainFactory grains, CaseCategories categories, GridSeed grid, ApplicationIntake intake, CaseFiling filing, KeyedHasher hasher, ObserverRelay observerRelay)
    : V1.CaseService.CaseServiceBase
{
    public const int MaxShortNoteLength = 500;

    public override async Task<Case> SubmitAppeal(SubmitAppealRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        DomainException.ThrowIfAny(CaseRules.ValidateSubmission(
            CaseKind.Appeal, caller.Subject, request.RequestId, request.Category, request.Description, request.Location?.Latitude, request.Location?.Longitude,
            request.Address, request.AttachmentRefs, categories, grid, out var appeal));
        return ToProto(await Submit(caller.Subject, request.RequestId, appeal!));
    }

    public override async Task<Case> SubmitApplication(SubmitApplicationRequest request, ServerCallContext context)
    {
        var caller = context.Caller();
        var application = await intake.Prepare(request, caller.Subject);
        return ToProto(await Submit(caller.Subject, request.RequestId, application));
    }

    /// <summary>
    /// The case of a submission has an id derived from the citizen and the request id (a keyed hash, as
    /// opaque as a random id), so a retry reaches the same case and creates nothing, without a write first.
    /// </summary>
    private async Task<CaseSnapshot> Submit(string citizenId, string requestId, NewCase submission)
    {
        var caseId = hasher.CaseId(citizenId, requestId);
        try
        {
            return (CaseFiling.CanFile(submission) ? await filing.TryFile(caseId, submission) : null)
                ?? await grains.GetGrain<ICaseGrain>(caseId).Submit(submission);
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.AlreadyExists)
        {
            throw DomainException.InvalidArgument("request_id", "was already used for a different submission; use a new request id for a new one");
        }
    }

    public override async Task<Case> RequestSupplement(RequestSupplementRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(CaseRules.ValidateCaseId(request.CaseId));
        var missing = request.MissingMaterials.Select(CaseRules.Text).ToList();
        if (missing.Count is 0 or > CaseRules.MaxAttachments || missing.Any(m => m.Length is 0 or > 100))
        {
            violations.Add(new FieldViolation("missing_materials", $"must name 1 to {CaseRules.MaxAttachments} materials of 1 to 100 characters"));
        }

        violations.AddRange(CaseRules.ValidateNote(request.Note, required: false, max: MaxShortNoteLength));
        DomainException.ThrowIfAny(violations);
        return ToProto(await CaseOf(request.CaseId).RequestSupplement(ActorOf(context), missing, CaseRules.Text(request.Note)));
    }

    public override async Task<Case> ResubmitApplication(ResubmitApplicationRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(CaseRules.ValidateCaseId(request.CaseId));
        violations.AddRange(CaseRules.ValidateAttachments(request.AttachmentRefs));
        if (request.AttachmentRefs.Count == 0)
        {
            violations.Add(new FieldViolation("attachment_refs", "must name at least one added material"));
        }

        violations.AddRange(CaseRules.ValidateNote(request.Note, required: false, max: MaxShortNoteLength));
        DomainException.ThrowIfAny(violations);
        return ToProto(await CaseOf(request.CaseId).Resubmit(ActorOf(context), [.. request.AttachmentRefs], CaseRules.Text(request.Note)));
    }

    public override async Task<Case> DecideApplication(DecideApplicationRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny([.. CaseRules.ValidateCaseId(request.CaseId), .. CaseRules.ValidateNote(request.Reason, required: !request.Approve, "reason")]);
        return ToProto(await CaseOf(request.CaseId).Decide(ActorOf(context), request.Approve, CaseRules.Text(request.Reason)));
    }

    public override async Task<Case> GetCase(GetCaseRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(CaseRules.ValidateCaseId(request.CaseId));
        return ToProto(await CaseOf(request.CaseId).Get(ActorOf(context)));
    }

    public override async Task<ListCasesResponse> ListMyCases(ListMyCasesRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(PageSizes.Validate(request.PageSize));
        var before = PageTokens.ReadPosition(request.PageToken, violations);
        DomainException.ThrowIfAny(violations);
        var actor = ActorOf(context);
        var page = await grains.GetGrain<ICitizenCasesGrain>(actor.Subject).Page(before, PageSizes.Of(request.PageSize));
        var cases = await Task.WhenAll(page.CaseIds.Select(id => CaseOf(id).Get(actor)));
        return new ListCasesResponse
        {
            Cases = { cases.Select(ToProto) },
            NextPageToken = page.Next is { } next ? PageTokens.Before(next) : string.Empty,
        };
    }

    public override async Task<ListCasesResponse> ListCases(ListCasesRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(GridRules.ValidateCode(request.UnitCode, "unit_code"));
        violations.AddRange(PageSizes.Validate(request.PageSize));
        if (request.Category.Length > 0 && categories.Find(request.Category) is null)
        {
            violations.Add(new FieldViolation("category", $"must be one of: {string.Join(", ", categories.All.Select(c => c.Code))}"));
        }

        if (request.State != V1.CaseState.Unspecified && !System.Enum.IsDefined(request.State))
        {
            violations.Add(new FieldViolation("state", "is not a case state"));
        }

        var after = PageTokens.Read(request.PageToken, violations) is { } last ? new CaseCursor(last.Time, last.Id) : null;

        DomainException.ThrowIfAny(violations);
        var caller = context.Caller();
        if (!GridUnitCode.IsWithin(request.UnitCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} list the cases of that unit's subtree only.");
        }

        var query = new CaseQuery(
            request.State == V1.CaseState.Unspecified ? null : (Grains.Abstractions.Cases.CaseState)request.State,
            request.Category.Length > 0 ? request.Category : null,
            request.OverdueOnly,
            request.SubmittedAfter?.ToDateTimeOffset(),
            request.SubmittedBefore?.ToDateTimeOffset(),
            after);
        var size = PageSizes.Of(request.PageSize);
        // Every grid of the subtree answers with its newest matches; the page is the newest of those.
        var found = await Task.WhenAll(GridsUnder(request.UnitCode).Select(code => grains.GetGrain<IUnitCasesGrain>(code).Find(query, size + 1)));
        var page = found.SelectMany(f => f)
            .OrderByDescending(c => c.CreateTime).ThenByDescending(c => c.CaseId, StringComparer.Ordinal)
            .Take(size + 1)
            .ToList();
        var actor = ActorOf(context);
        var cases = await Task.WhenAll(page.Take(size).Select(c => CaseOf(c.CaseId).Get(actor)));
        return new ListCasesResponse
        {
            Cases = { cases.Select(ToProto) },
            NextPageToken = page.Count > size ? PageTokens.After(page[size - 1].CreateTime, page[size - 1].CaseId) : string.Empty,
        };
    }

    public override async Task<Case> DispatchCase(DispatchCaseRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny([
            .. CaseRules.ValidateCaseId(request.CaseId),
            .. GridRules.ValidateCode(request.UnitCode, "unit_code"),
            .. CaseRules.ValidateNote(request.Note, required: false, max: MaxShortNoteLength),
        ]);
        return ToProto(await CaseOf(request.CaseId).Dispatch(ActorOf(context), request.UnitCode, CaseRules.Text(request.Note)));
    }

    public override Task<Case> AcceptCase(CaseActionRequest request, ServerCallContext context) =>
        Act(request, context, noteRequired: false, (c, by, note) => c.Accept(by, note));

    public override Task<Case> ReturnCase(CaseActionRequest request, ServerCallContext context) =>
        Act(request, context, noteRequired: true, (c, by, note) => c.Return(by, note));

    public override Task<Case> StartCase(CaseActionRequest request, ServerCallContext context) =>
        Act(request, context, noteRequired: false, (c, by, note) => c.Start(by, note));

    public override Task<Case> ReplyCase(CaseActionRequest request, ServerCallContext context) =>
        Act(request, context, noteRequired: true, (c, by, note) => c.Reply(by, note));

    public override Task<Case> InviteCoHandler(CoHandlerRequest request, ServerCallContext context) =>
        CoHandlerAction(request, context, (c, by) => c.InviteCoHandler(by, request.UnitCode, CaseRules.Text(request.Note)));

    public override Task<Case> ReportCoHandling(CaseActionRequest request, ServerCallContext context) =>
        Act(request, context, noteRequired: true, (c, by, report) => c.ReportCoHandling(by, report));

    public override Task<Case> ReleaseCoHandler(CoHandlerRequest request, ServerCallContext context) =>
        CoHandlerAction(request, context, (c, by) => c.ReleaseCoHandler(by, request.UnitCode, CaseRules.Text(request.Note)));

    public override async Task<Case> MergeCases(MergeCasesRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        violations.AddRange(CaseRules.ValidateCaseId(request.PrimaryCaseId).Select(v => v with { Field = "primary_case_id" }));
        violations.AddRange(CaseRules.ValidateCaseId(request.DuplicateCaseId).Select(v => v with { Field = "duplicate_case_id" }));
        violations.AddRange(CaseRules.ValidateNote(request.Note, required: false, max: MaxShortNoteLength));
        if (request.PrimaryCaseId == request.DuplicateCaseId && violations.Count == 0)
        {
            violations.Add(new FieldViolation("duplicate_case_id", "must differ from primary_case_id"));
        }

        DomainException.ThrowIfAny(violations);
        var actor = ActorOf(context);
        var duplicate = await CaseOf(request.DuplicateCaseId).Get(actor);
        if (duplicate.State == Grains.Abstractions.Cases.CaseState.Closed && duplicate.MergedInto != request.PrimaryCaseId)
        {
            throw DomainException.FailedPrecondition($"Cannot merge a duplicate that is {CaseNames.Of(Grains.Abstractions.Cases.CaseState.Closed)}.");
        }

        // The duplicate's citizen follows the primary before the duplicate closes, so they never lose sight of it.
        await CaseOf(request.PrimaryCaseId).AcceptDuplicate(actor, request.DuplicateCaseId, duplicate.CitizenId);
        await CaseOf(request.DuplicateCaseId).MergeInto(actor, request.PrimaryCaseId, CaseRules.Text(request.Note));
        return ToProto(await CaseOf(request.PrimaryCaseId).Get(actor));
    }

    public override async Task<Case> RateCase(RateCaseRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(CaseRules.ValidateCaseId(request.CaseId));
        if (request.Rating is not (Rating.Satisfied or Rating.BasicallySatisfied or Rating.Unsatisfied))
        {
            violations.Add(new FieldViolation("rating", "must be RATING_SATISFIED, RATING_BASICALLY_SATISFIED or RATING_UNSATISFIED"));
        }

        violations.AddRange(CaseRules.ValidateNote(request.Comment, required: false, "comment", MaxShortNoteLength));
        DomainException.ThrowIfAny(violations);
        return ToProto(await CaseOf(request.CaseId).Rate(ActorOf(context), (CaseRating)request.Rating, CaseRules.Text(request.Comment)));
    }

    public override async Task<UnitStats> GetUnitStats(GetUnitStatsRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(GridRules.ValidateCode(request.UnitCode, "unit_code"));
        var caller = context.Caller();
        if (!GridUnitCode.IsWithin(request.UnitCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} see the statistics of that unit's subtree only.");
        }

        if (grid.Find(request.UnitCode) is null)
        {
            throw DomainException.NotFound($"No grid unit has code {request.UnitCode}.");
        }

        var (_, totals) = await grains.GetGrain<IUnitCasesGrain>(request.UnitCode).Get();
        static double Rate(int part, int whole) => whole == 0 ? 0 : (double)part / whole;
        return new UnitStats
        {
            UnitCode = request.UnitCode,
            Received = totals.Received,
            ByState = { totals.ByState.ToDictionary(p => CaseNames.Of(p.Key), p => p.Value) },
            Overdue = totals.Overdue,
            Accepted = totals.Accepted,
            Replied = totals.Replied,
            Rated = totals.Rated,
            Satisfied = totals.Satisfied,
            ResponseRate = Rate(totals.Accepted, totals.Received - totals.Merged),
            ResolutionRate = Rate(totals.Replied, totals.Received - totals.Merged),
            SatisfactionRate = Rate(totals.Satisfied, totals.Rated),
            EscalationsCaused = totals.LateWithin(request.UnitCode),
            Merged = totals.Merged,
        };
    }

    public override async Task WatchCase(WatchCaseRequest request, IServerStreamWriter<Case> responseStream, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(CaseRules.ValidateCaseId(request.CaseId));
        long seen = -1;
        if (request.FromEtag.Length > 0 && !long.TryParse(request.FromEtag, NumberStyles.None, CultureInfo.InvariantCulture, out seen))
        {
            violations.Add(new FieldViolation("from_etag", "is not an etag of this case"));
        }

        DomainException.ThrowIfAny(violations);
        var actor = ActorOf(context);
        var observer = new CaseWatcher();
        var watcher = grains.CreateObjectReference<ICaseWatcher>(observer);
        var grain = CaseOf(request.CaseId);
        await observerRelay.RunAsync(context, observer,
            subscribe: async (_, _) => observer.Relay(await grain.Watch(actor, watcher)), // (re)subscribing also catches anything missed
            unsubscribe: async () =>
            {
                await grain.Unwatch(watcher);
                grains.DeleteObjectReference<ICaseWatcher>(watcher);
            },
            write: async (snapshot, stopping) =>
            {
                var version = long.Parse(snapshot.Etag, CultureInfo.InvariantCulture);
                if (version > seen)
                {
                    seen = version;
                    await responseStream.WriteAsync(ToProto(snapshot), stopping);
                }
            },
            "from_etag (the last etag received)");
    }

    public override async Task WatchUnitCases(WatchUnitCasesRequest request, IServerStreamWriter<UnitCaseChange> responseStream, ServerCallContext context)
    {
        DomainException.ThrowIfAny(GridRules.ValidateCode(request.UnitCode, "unit_code"));
        var grids = GridsUnder(request.UnitCode).ToList();
        Dictionary<string, long>? resumeFrom = null;
        if (request.ResumeToken.Length > 0 && !UnitWatchToken.TryParse(request.ResumeToken, grids, out resumeFrom))
        {
            throw DomainException.InvalidArgument("resume_token", "is not a token this RPC gave for this unit");
        }

        var caller = context.Caller();
        if (!GridUnitCode.IsWithin(request.UnitCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} watch the cases of that unit's subtree only.");
        }

        var actor = ActorOf(context);
        var observer = new GridCasesWatcher();
        var watcher = grains.CreateObjectReference<IGridCasesWatcher>(observer);
        var seen = grids.ToDictionary(g => g, g => resumeFrom?.GetValueOrDefault(g) ?? long.MaxValue, StringComparer.Ordinal);
        var live = false;

        // Subscribes at a grid and sends what changed there since the version already seen.
        async Task CatchUp(string code, CancellationToken stopping)
        {
            var since = seen[code];
            var found = await grains.GetGrain<IUnitCasesGrain>(code).Watch(watcher, since);
            foreach (var (caseId, changedAt) in found.Changed)
            {
                seen[code] = changedAt;
                await Send(caseId, stopping);
            }

            seen[code] = since == long.MaxValue ? found.Version : Math.Max(seen[code], found.Version);
        }

        async Task Send(string caseId, CancellationToken stopping) => await responseStream.WriteAsync(
            new UnitCaseChange { Case = ToProto(await CaseOf(caseId).Get(actor)), ResumeToken = UnitWatchToken.Format(seen) }, stopping);

        await observerRelay.RunAsync(context, observer,
            subscribe: async (grid, stopping) =>
            {
                foreach (var code in grid is null ? grids : [grid])
                {
                    await CatchUp(code, stopping);
                }

                if (!live)
                {
                    live = true;
                    await responseStream.WriteAsync(new UnitCaseChange { ResumeToken = UnitWatchToken.Format(seen) }, stopping); // live from here
                }
            },
            unsubscribe: async () =>
            {
                await Task.WhenAll(grids.Select(code => grains.GetGrain<IUnitCasesGrain>(code).Unwatch(watcher)));
                grains.DeleteObjectReference<IGridCasesWatcher>(watcher);
            },
            write: async (change, stopping) =>
            {
                if (change.Version > seen[change.Grid])
                {
                    seen[change.Grid] = change.Version;
                    await Send(change.CaseId, stopping);
                }
            },
            "resume_token (the last token received)");
    }

    private async Task<Case> CoHandlerAction(CoHandlerRequest request, ServerCallContext context, Func<ICaseGrain, Actor, Task<CaseSnapshot>> action)
    {
        DomainException.ThrowIfAny([
            .. CaseRules.ValidateCaseId(request.CaseId),
            .. GridRules.ValidateCode(request.UnitCode, "unit_code"),
            .. CaseRules.ValidateNote(request.Note, required: false, max: MaxShortNoteLength),
        ]);
        return ToProto(await action(CaseOf(request.CaseId), ActorOf(context)));
    }

    private async Task<Case> Act(CaseActionRequest request, ServerCallContext context, bool noteRequired, Func<ICaseGrain, Actor, string, Task<CaseSnapshot>> action)
    {
        DomainException.ThrowIfAny([.. CaseRules.ValidateCaseId(request.CaseId), .. CaseRules.ValidateNote(request.Note, noteRequired)]);
        return ToProto(await action(CaseOf(request.CaseId), ActorOf(context), CaseRules.Text(request.Note)));
    }

    private IEnumerable<string> GridsUnder(string code) =>
        GridUnitCode.LevelOf(code) == Grains.Abstractions.Grid.UnitLevel.Grid ? [code] : grid.ChildrenOf(code).SelectMany(GridsUnder);

    private ICaseGrain CaseOf(string caseId) => grains.GetGrain<ICaseGrain>(caseId);

    private static Actor ActorOf(ServerCallContext context)
    {
        var caller = context.Caller();
        return new Actor(caller.Subject, caller.Kind, caller.Role, caller.Unit);
    }

    private static Case ToProto(CaseSnapshot c) => new()
    {
        CaseId = c.CaseId,
        Kind = (V1.CaseKind)c.Kind,
        State = (V1.CaseState)c.State,
        Category = c.Category,
        Description = c.Description,
        Location = new LatLng { Latitude = c.Location.Latitude, Longitude = c.Location.Longitude },
        Address = c.Address,
        AttachmentRefs = { c.AttachmentRefs },
        GridCode = c.GridCode,
        UnitCode = c.UnitCode,
        CitizenId = c.CitizenId,
        Reply = c.Reply,
        Rating = (Rating)(c.Rating ?? 0),
        RatingComment = c.RatingComment,
        ReopenCount = c.ReopenCount,
        History = { c.History.Select(ToProto) },
        CreateTime = Timestamp.FromDateTimeOffset(c.CreateTime),
        UpdateTime = Timestamp.FromDateTimeOffset(c.UpdateTime),
        Etag = c.Etag,
        AcceptDeadline = c.AcceptDeadline is { } accept ? Timestamp.FromDateTimeOffset(accept) : null,
        ResolveDeadline = c.ResolveDeadline is { } resolve ? Timestamp.FromDateTimeOffset(resolve) : null,
        Overdue = c.Overdue,
        EscalationCount = c.EscalationCount,
        CoHandlers =
        {
            c.CoHandlers.Select(h => new V1.CoHandler { UnitCode = h.UnitCode, Status = (V1.CoHandler.Types.Status)h.Status, Report = h.Report }),
        },
        MergedInto = c.MergedInto,
        MergedCaseIds = { c.MergedCases },
        MissingMaterials = { c.MissingMaterials },
        Decision = c.Decision,
        EnterpriseCreditCode = c.EnterpriseCode,
        Materials =
        {
            c.Materials.Select(m => new V1.AttachedMaterial { Code = m.Code, Name = m.Name, Source = (V1.AttachedMaterial.Types.Source)m.Source, Reference = m.Reference }),
        },
        ParentCaseId = c.ParentCaseId,
        Parts =
        {
            c.Parts.Select(p => new V1.CasePart { Service = p.Service, CaseId = p.CaseId, After = p.After, State = (V1.CaseState)(p.State ?? 0), Skipped = p.Skipped }),
        },
        CertificateNumber = c.CertificateNumber,
    };

    private static V1.CaseEvent ToProto(CaseEvent e) => new()
    {
        Action = e.Action,
        FromState = (V1.CaseState)(e.From ?? 0),
        ToState = (V1.CaseState)e.To,
        Actor = e.Actor,
        ActorRole = e.ActorRole,
        ActorUnit = e.ActorUnit,
        Note = e.Note,
        Time = Timestamp.FromDateTimeOffset(e.Time),
        UnitCode = e.UnitCode,
    };
}

/// <summary>Hands a case's changes from the grain to one WatchCase call.</summary>
internal sealed class CaseWatcher : RelayedWatcher<CaseSnapshot>, ICaseWatcher
{
    public void CaseChanged(CaseSnapshot snapshot) => Relay(snapshot);
}

/// <summary>Hands a grid's case changes to one WatchUnitCases call.</summary>
internal sealed class GridCasesWatcher : RelayedWatcher<(string Grid, long Version, string CaseId)>, IGridCasesWatcher
{
    public void CaseChanged(string gridCode, long gridVersion, string caseId) => Relay((gridCode, gridVersion, caseId));
}

/// <summary>A WatchUnitCases resume token: the last version seen of every grid of the subtree.</summary>
internal static class UnitWatchToken
{
    public static string Format(IReadOnlyDictionary<string, long> seen) =>
        Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(System.Text.Encoding.ASCII.GetBytes(
            string.Join(',', seen.Select(p => $"{p.Key}:{p.Value.ToString(CultureInfo.InvariantCulture)}"))));

    public static bool TryParse(string token, IReadOnlyCollection<string> grids, out Dictionary<string, long>? seen)
    {
        seen = null;
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Decode(token));
            var parsed = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var pair in text.Split(','))
            {
                var parts = pair.Split(':');
                if (parts.Length != 2 || !grids.Contains(parts[0]) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    return false;
                }

                parsed[parts[0]] = version;
            }

            seen = parsed;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

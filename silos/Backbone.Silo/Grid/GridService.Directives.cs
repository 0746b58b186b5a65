using System.Globalization;
using Backbone.Grains;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Cases;
using Backbone.Grains.Grid;
using Backbone.Silo.Hosting;
using Backbone.Silo.Security;
using Backbone.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using DirectiveReceipt = Backbone.V1.DirectiveReceipt;
using LevelCoverage = Backbone.V1.LevelCoverage;
using UnitLevel = Backbone.Grains.Abstractions.Grid.UnitLevel;

namespace Backbone.Silo.Grid;

/// <summary>Four-level directives (上下贯通): issued by a district or the city, handed down the tree, acknowledged unit by unit.</summary>
public sealed partial class GridService
{
    public const int MaxTitleLength = 100;
    public const int MaxBodyLength = 5000;
    public static readonly TimeSpan MaxAckWindow = TimeSpan.FromDays(30);

    public override async Task<Directive> IssueDirective(IssueDirectiveRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(RequestIds.Validate(request.RequestId));
        var badUnit = GridRules.ValidateCode(request.FromUnitCode, "from_unit_code");
        violations.AddRange(badUnit);
        if (badUnit.Count == 0 && (seed.Find(request.FromUnitCode) is null || GridUnitCode.LevelOf(request.FromUnitCode) > UnitLevel.District))
        {
            violations.Add(new FieldViolation("from_unit_code", "must be the city or a district of the city"));
        }

        violations.AddRange(CaseRules.ValidateNote(request.Title, required: true, "title", MaxTitleLength));
        violations.AddRange(CaseRules.ValidateNote(request.Body, required: true, "body", MaxBodyLength));
        var now = clock.GetUtcNow();
        var deadline = request.AckDeadline?.ToDateTimeOffset();
        if (deadline is null || deadline <= now || deadline > now + MaxAckWindow)
        {
            violations.Add(new FieldViolation("ack_deadline", $"is required: a time in the future, at most {MaxAckWindow.TotalDays:0} days ahead"));
        }

        DomainException.ThrowIfAny(violations);
        var caller = context.Caller();
        if (!GridUnitCode.IsWithin(request.FromUnitCode, caller.Unit ?? string.Empty) || GridUnitCode.LevelOf(caller.Unit!) > UnitLevel.District)
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} cannot issue directives from {request.FromUnitCode}: district or city staff issue them, from their own unit or below it.");
        }

        var directive = new NewDirective(
            request.FromUnitCode, CaseRules.Text(request.Title), CaseRules.Text(request.Body), deadline!.Value, caller.Subject, request.IncludeGrids);
        return ToProto(await grains.GetGrain<IDirectiveIssueGrain>($"{caller.Subject}:{request.RequestId}").Issue(directive));
    }

    public override async Task<Directive> GetDirective(GetDirectiveRequest request, ServerCallContext context) =>
        ToProto(await VisibleDirective(request.DirectiveId, context));

    public override async Task WatchDirective(GetDirectiveRequest request, IServerStreamWriter<Directive> responseStream, ServerCallContext context)
    {
        await VisibleDirective(request.DirectiveId, context);
        var grain = grains.GetGrain<IDirectiveGrain>(request.DirectiveId);
        var observer = new DirectiveWatcher();
        var watcher = grains.CreateObjectReference<IDirectiveWatcher>(observer);
        long seen = -1;
        await observerRelay.RunAsync(context, observer,
            subscribe: async (_, _) => observer.Relay(await grain.Watch(watcher)), // (re)subscribing also catches anything missed
            unsubscribe: async () =>
            {
                await grain.Unwatch(watcher);
                grains.DeleteObjectReference<IDirectiveWatcher>(watcher);
            },
            write: async (snapshot, stopping) =>
            {
                if (snapshot.Version > seen)
                {
                    seen = snapshot.Version;
                    await responseStream.WriteAsync(ToProto(snapshot), stopping);
                }
            },
            resumeField: null);
    }

    public override async Task WatchDirectives(WatchDirectivesRequest request, IServerStreamWriter<DirectiveReceipt> responseStream, ServerCallContext context)
    {
        DomainException.ThrowIfAny(GridRules.ValidateCode(request.UnitCode, "unit_code"));
        EnsureWithinOwnUnit(request.UnitCode, context.Caller());
        var inbox = InboxOf(request.UnitCode);
        var observer = new UnitDirectivesWatcher();
        var watcher = grains.CreateObjectReference<IUnitDirectivesWatcher>(observer);
        long? caughtUp = null; // the inbox's version up to which this stream has every change
        var sent = new Dictionary<string, long>(StringComparer.Ordinal); // per directive, the inbox version written
        await observerRelay.RunAsync(context, observer,
            subscribe: async (_, stopping) =>
            {
                var changes = await inbox.Watch(watcher, caughtUp);
                foreach (var missed in changes.Changed)
                {
                    observer.Relay(missed); // changed while no activation had this watcher (it left, or the watch lapsed)
                }

                if (caughtUp is null)
                {
                    await responseStream.WriteAsync(new DirectiveReceipt { UnitCode = request.UnitCode }, stopping); // subscribed: nothing from now on is missed
                }

                caughtUp = changes.Version;
            },
            unsubscribe: async () =>
            {
                await inbox.Unwatch(watcher);
                grains.DeleteObjectReference<IUnitDirectivesWatcher>(watcher);
            },
            write: async (receipt, stopping) =>
            {
                // A receipt comes both live and in a catch-up, in either order: each state of it is written once, never an older one after a newer.
                if (receipt.InboxVersion > sent.GetValueOrDefault(receipt.DirectiveId, -1))
                {
                    sent[receipt.DirectiveId] = receipt.InboxVersion;
                    await responseStream.WriteAsync(ToProto(receipt, request.UnitCode), stopping);
                }
            },
            resumeField: null);
    }

    public override async Task<ListDirectivesResponse> ListDirectives(ListDirectivesRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>(GridRules.ValidateCode(request.UnitCode, "unit_code"));
        violations.AddRange(PageSizes.Validate(request.PageSize));
        var after = PageTokens.Read(request.PageToken, violations) is { } last ? new ReceiptCursor(last.Time, last.Id) : null;

        DomainException.ThrowIfAny(violations);
        EnsureWithinOwnUnit(request.UnitCode, context.Caller());
        var page = await InboxOf(request.UnitCode).List(after, PageSizes.Of(request.PageSize));
        return new ListDirectivesResponse
        {
            Directives = { page.Receipts.Select(r => ToProto(r, request.UnitCode)) },
            NextPageToken = page.More ? PageTokens.After(page.Receipts[^1].ReceiveTime, page.Receipts[^1].DirectiveId) : string.Empty,
        };
    }

    public override async Task<DirectiveReceipt> AcknowledgeDirective(AcknowledgeDirectiveRequest request, ServerCallContext context)
    {
        DomainException.ThrowIfAny(ValidateDirectiveId(request.DirectiveId));
        var caller = context.Caller();
        var unit = caller.Unit ?? throw DomainException.PermissionDenied("Only staff acknowledge directives, for their own unit.");
        return ToProto(await grains.GetGrain<IUnitDirectivesGrain>(unit).Acknowledge(request.DirectiveId, caller.Subject), unit);
    }

    /// <summary>The inbox of a unit of the tree (inboxes stay active: none is made for a code that is no unit).</summary>
    private IUnitDirectivesGrain InboxOf(string unitCode) => seed.Find(unitCode) is null
        ? throw DomainException.NotFound($"No unit with code {unitCode} exists.")
        : grains.GetGrain<IUnitDirectivesGrain>(unitCode);

    private static void EnsureWithinOwnUnit(string unitCode, Caller caller)
    {
        if (!GridUnitCode.IsWithin(unitCode, caller.Unit ?? string.Empty))
        {
            throw DomainException.PermissionDenied($"Staff of unit {caller.Unit} see the directives of that unit's subtree only.");
        }
    }

    /// <summary>The directive, for staff of its issuing unit or above; NotFound for anyone else, as for a directive that does not exist.</summary>
    private async Task<DirectiveSnapshot> VisibleDirective(string directiveId, ServerCallContext context)
    {
        DomainException.ThrowIfAny(ValidateDirectiveId(directiveId));
        var directive = await grains.GetGrain<IDirectiveGrain>(directiveId).Get();
        return GridUnitCode.IsWithin(directive.Directive.FromUnit, context.Caller().Unit ?? string.Empty)
            ? directive
            : throw DomainException.NotFound($"No directive with id {directiveId} exists.");
    }

    private static IReadOnlyList<FieldViolation> ValidateDirectiveId(string id) =>
        OpaqueIds.IsWellFormed(id) ? [] : [new FieldViolation("directive_id", "is not a directive id (32 lower-case hex characters)")];

    private static Directive ToProto(DirectiveSnapshot d)
    {
        var directive = ToProto(d.DirectiveId, d.Directive, d.IssueTime);
        directive.Levels.AddRange(d.Levels.Select(l => new LevelCoverage { Level = (V1.UnitLevel)l.Level, Acknowledged = l.Acknowledged, Total = l.Total }));
        directive.SilentUnitCodes.AddRange(d.Silent);
        directive.EscalatedUnitCodes.AddRange(d.Escalated);
        directive.FullCoverageTime = d.FullCoverageTime is { } full ? Timestamp.FromDateTimeOffset(full) : null;
        return directive;
    }

    private static Directive ToProto(string id, NewDirective d, DateTimeOffset issued) => new()
    {
        DirectiveId = id,
        FromUnitCode = d.FromUnit,
        Title = d.Title,
        Body = d.Body,
        Issuer = d.Issuer,
        IssueTime = Timestamp.FromDateTimeOffset(issued),
        AckDeadline = Timestamp.FromDateTimeOffset(d.AckDeadline),
        IncludeGrids = d.IncludeGrids,
    };

    private static DirectiveReceipt ToProto(Grains.Abstractions.Grid.DirectiveReceipt r, string unit) => new()
    {
        Directive = ToProto(r.DirectiveId, r.Directive, r.ReceiveTime),
        UnitCode = unit,
        ReceiveTime = Timestamp.FromDateTimeOffset(r.ReceiveTime),
        Acknowledged = r.Ack is not null,
        AcknowledgeTime = r.Ack is { } ack ? Timestamp.FromDateTimeOffset(ack.Time) : null,
        AcknowledgedBy = r.Ack?.By ?? string.Empty,
        SilentChildUnitCodes = { r.SilentChildren },
    };
}

/// <summary>Hands a unit's new and changed receipts from its grain to one WatchDirectives call.</summary>
internal sealed class UnitDirectivesWatcher : RelayedWatcher<Grains.Abstractions.Grid.DirectiveReceipt>, IUnitDirectivesWatcher
{
    public void ReceiptChanged(Grains.Abstractions.Grid.DirectiveReceipt receipt) => Relay(receipt);
}

/// <summary>Hands a directive's coverage changes from its grain to one WatchDirective call.</summary>
internal sealed class DirectiveWatcher : RelayedWatcher<DirectiveSnapshot>, IDirectiveWatcher
{
    public void CoverageChanged(DirectiveSnapshot snapshot) => Relay(snapshot);
}

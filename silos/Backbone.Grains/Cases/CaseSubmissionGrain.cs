using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class CaseSubmissionState
{
    /// <summary>The first case submitted under this request id.</summary>
    [Id(0)] public NewCase? Submission { get; set; }

    /// <summary>The id chosen for the case, saved before anything else so a retry reuses it.</summary>
    [Id(1)] public string? CaseId { get; set; }
}

/// <summary>
/// One submission, keyed by citizen id and request id. The case id is saved first, then the case is
/// created, then listed for its citizen, so a retry after a crash at any step finishes the same one
/// (creating and listing are idempotent, so a retry simply repeats them).
/// </summary>
public sealed class CaseSubmissionGrain(
    [PersistentState("case-submission")] IPersistentState<CaseSubmissionState> attempt,
    IGrainFactory grains) : Grain, ICaseSubmissionGrain
{
    private IGrainTimer? _leave;

    public async Task<CaseSnapshot> Submit(NewCase appeal)
    {
        _leave = this.LeaveWhenQuiet(_leave); // used around one request (a retry reads it back)
        var state = attempt.State;
        if (state.Submission is not null && !state.Submission.SameAs(appeal))
        {
            throw DomainException.InvalidArgument("request_id", "was already used for a different appeal; use a new request id for a new appeal");
        }

        if (state.CaseId is null)
        {
            state.Submission = appeal;
            state.CaseId = OpaqueIds.New();
            await attempt.WriteOrForgetAsync(this);
        }

        var submitted = await grains.GetGrain<ICaseGrain>(state.CaseId).Submit(appeal);
        await grains.GetGrain<ICitizenCasesGrain>(appeal.CitizenId).Add(state.CaseId);
        return submitted;
    }
}

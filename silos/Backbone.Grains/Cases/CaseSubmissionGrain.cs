using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Privacy;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class CaseSubmissionState
{
    /// <summary>The first case submitted under this request id (stored by submissions made before case ids were derived).</summary>
    [Id(0)] public NewCase? Submission { get; set; }

    /// <summary>The id chosen for the case (ditto); submissions since then derive it and store nothing here.</summary>
    [Id(1)] public string? CaseId { get; set; }
}

/// <summary>
/// One submission, keyed by citizen id and request id. The case id is a keyed hash of that key, so a
/// retry after a crash at any step reaches the same case without anything saved first: the case is
/// created (or found, if the retry is the same submission), then listed for its citizen; both steps are
/// idempotent, so a retry simply repeats them. Submissions stored before ids were derived keep theirs.
/// </summary>
public sealed class CaseSubmissionGrain(
    [PersistentState("case-submission")] IPersistentState<CaseSubmissionState> attempt,
    IGrainFactory grains,
    KeyedHasher hasher) : Grain, ICaseSubmissionGrain
{
    private IGrainTimer? _leave;

    public async Task<CaseSnapshot> Submit(NewCase appeal)
    {
        _leave = this.LeaveWhenQuiet(_leave); // used around one request (a retry reaches the same case)
        var state = attempt.State;
        if (state.Submission is not null && !state.Submission.SameAs(appeal))
        {
            throw ReusedRequestId();
        }

        var caseId = state.CaseId ?? hasher.CaseId(this.GetPrimaryKeyString());
        CaseSnapshot submitted;
        try
        {
            submitted = await grains.GetGrain<ICaseGrain>(caseId).Submit(appeal);
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.AlreadyExists)
        {
            throw ReusedRequestId(); // the case of this request id holds a different submission
        }

        await grains.GetGrain<ICitizenCasesGrain>(appeal.CitizenId).Add(caseId);
        return submitted;
    }

    private static DomainException ReusedRequestId() =>
        DomainException.InvalidArgument("request_id", "was already used for a different appeal; use a new request id for a new appeal");
}

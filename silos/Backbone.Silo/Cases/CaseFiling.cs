using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Cases;
using Orleans.Providers;
using Orleans.Storage;

namespace Backbone.Silo.Cases;

/// <summary>
/// Files a new case straight into the store, without activating its grain. An appeal storm otherwise activated one
/// case grain per appeal only to write its first state, and kept each in memory for two minutes: half the node's memory
/// in a storm, and much of what its garbage collector paused for (docs/benchmarks.md). The record written is what the grain's own first
/// save writes (<see cref="CaseRecord.Filed"/>), under the grain's key and with the same insert-only condition, so the
/// grain reads it on its first call as if it had saved it. Then, as the grain does after saving, its grid is told
/// (figures, listing, deadline) beside the citizen's case list.
/// </summary>
/// <remarks>
/// Only a submission that sets nothing else off qualifies (<see cref="CanFile"/>): not a bundle or its part, not an
/// enterprise's application. A case already stored (a retry, or another submission under a used request id) and a
/// case whose grid or list could not be told are left to the case's grain, which answers the retry or finishes the
/// telling (<see cref="ICaseGrain.Submit"/>). No grain of a case activates before its record exists: its id is
/// derived from the citizen and the request id and given out only in the answer to the filing.
/// </remarks>
public sealed partial class CaseFiling(
    [FromKeyedServices(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME)] IGrainStorage store,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<CaseFiling> logger)
{
    public static bool CanFile(NewCase submission) =>
        !submission.IsBundle && submission.ParentCaseId.Length == 0 && submission.EnterpriseCode.Length == 0;

    /// <returns>The stored case, its grid and its citizen's list told; null when the case's grain must answer.</returns>
    public async Task<CaseSnapshot?> TryFile(string caseId, NewCase submission)
    {
        var filed = CaseRecord.Filed(submission, clock.GetUtcNow());
        filed.Version = 1; // as the grain's first save numbers it
        try
        {
            await store.WriteStateAsync(CaseGrain.StateName, GrainId.Create(CaseGrain.TypeName, caseId), new GrainState<CaseRecord>(filed));
        }
        catch (InconsistentStateException)
        {
            return null;
        }

        try
        {
            await Task.WhenAll(
                grains.GetGrain<IUnitCasesGrain>(submission.GridCode).Apply(caseId, filed.Version, filed.Summary()),
                grains.GetGrain<ICitizenCasesGrain>(submission.CitizenId).Add(caseId));
        }
        catch (Exception e)
        {
            LogLeftToGrain(logger, e, caseId);
            return null;
        }

        return filed.Snapshot(caseId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId} was stored but its grid or case list was not told; its grain finishes it.")]
    private static partial void LogLeftToGrain(ILogger logger, Exception exception, string caseId);
}

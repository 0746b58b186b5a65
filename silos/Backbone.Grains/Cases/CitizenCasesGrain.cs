using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class CitizenCasesState
{
    /// <summary>Case ids, oldest first.</summary>
    [Id(0)] public List<string> CaseIds { get; set; } = [];
}

public sealed class CitizenCasesGrain([PersistentState("citizen-cases")] IPersistentState<CitizenCasesState> cases) : Grain, ICitizenCasesGrain
{
    public async Task Add(string caseId)
    {
        if (!cases.State.CaseIds.Contains(caseId))
        {
            cases.State.CaseIds.Add(caseId);
            await cases.WriteOrForgetAsync(this);
        }
    }

    public Task<CaseIdPage> Page(int offset, int count)
    {
        var ids = cases.State.CaseIds;
        var page = Enumerable.Range(0, Math.Max(0, Math.Min(count, ids.Count - offset))).Select(i => ids[ids.Count - 1 - offset - i]).ToList();
        return Task.FromResult(new CaseIdPage(page, ids.Count));
    }
}

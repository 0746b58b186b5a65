using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Cases;

[GenerateSerializer]
public sealed class CitizenCasesState
{
    /// <summary>Case ids, oldest first, since the last sealed chunk (before chunks existed: all of them).</summary>
    [Id(0)] public List<string> CaseIds { get; set; } = [];

    /// <summary>How many chunks of older ids are sealed (<see cref="ICitizenCasesChunkGrain"/>, numbered from 0).</summary>
    [Id(1)] public int SealedChunks { get; set; }
}

/// <summary>
/// A citizen's cases, newest first for their app. Adding a case rewrites only the ids since the last
/// sealed chunk: every <see cref="ChunkSize"/> ids are sealed into a chunk grain, so a citizen with many
/// cases never makes each new one rewrite the whole list. The whole list is held in memory while the
/// grain is active (read back from the chunks on activation), which also keeps adding idempotent.
/// </summary>
/// <remarks>
/// Idle for two minutes, it leaves memory: in an appeal storm most appeals come from citizens with no other case
/// that day, and since a case is filed without loading its own grain, this list is the one activation an appeal
/// makes; at Orleans' default of 15 minutes, 1,000 appeals a second would hold 900,000 of them.
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
[GrainType("citizencases")]
public sealed class CitizenCasesGrain(
    [PersistentState("citizen-cases")] IPersistentState<CitizenCasesState> cases,
    IGrainFactory grains) : Grain, ICitizenCasesGrain
{
    public const int ChunkSize = 64;

    private readonly List<string> _all = [];
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private CitizenCasesState State => cases.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var chunks = await Task.WhenAll(Enumerable.Range(0, State.SealedChunks).Select(n => Chunk(n).Get()));
        foreach (var id in chunks.SelectMany(c => c).Concat(State.CaseIds))
        {
            if (_known.Add(id))
            {
                _all.Add(id);
            }
        }
    }

    public async Task Add(string caseId)
    {
        if (!_known.Add(caseId))
        {
            return;
        }

        _all.Add(caseId);
        State.CaseIds.Add(caseId);
        while (State.CaseIds.Count >= ChunkSize)
        {
            // The chunk first: a crash before the state below is written seals the same ids again.
            await Chunk(State.SealedChunks).Seal(State.CaseIds.GetRange(0, ChunkSize));
            State.CaseIds.RemoveRange(0, ChunkSize);
            State.SealedChunks++;
        }

        await cases.WriteOrForgetAsync(this);
    }

    public Task<CaseIdPage> Page(int? before, int count)
    {
        // Ids are only ever appended, so a position names the same case for good: a case added while a citizen
        // pages does not shift the pages that follow (an offset from the newest did, repeating a case).
        var end = Math.Clamp(before ?? _all.Count, 0, _all.Count);
        var start = Math.Max(0, end - count);
        var page = Enumerable.Range(start, end - start).Reverse().Select(i => _all[i]).ToList();
        return Task.FromResult(new CaseIdPage(page, start > 0 ? start : null));
    }

    private ICitizenCasesChunkGrain Chunk(int number) => grains.GetGrain<ICitizenCasesChunkGrain>($"{this.GetPrimaryKeyString()}/{number}");
}

[GenerateSerializer]
public sealed class CitizenCasesChunkState
{
    [Id(0)] public List<string> CaseIds { get; set; } = [];
}

[CollectionAgeLimit(Minutes = 2)] // read when its citizen's list activates, then not again
[GrainType("citizencaseschunk")]
public sealed class CitizenCasesChunkGrain([PersistentState("citizen-cases-chunk")] IPersistentState<CitizenCasesChunkState> chunk) : Grain, ICitizenCasesChunkGrain
{
    public async Task Seal(IReadOnlyList<string> caseIds)
    {
        if (chunk.State.CaseIds.SequenceEqual(caseIds, StringComparer.Ordinal))
        {
            return;
        }

        chunk.State.CaseIds = [.. caseIds];
        await chunk.WriteOrForgetAsync(this);
    }

    public Task<IReadOnlyList<string>> Get() => Task.FromResult<IReadOnlyList<string>>(chunk.State.CaseIds);
}

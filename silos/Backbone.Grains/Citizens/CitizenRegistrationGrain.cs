using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;
using Backbone.Grains.Privacy;

namespace Backbone.Grains.Citizens;

[GenerateSerializer]
public sealed class CitizenRegistrationState
{
    /// <summary>Keyed hash of the first request made under this request id.</summary>
    [Id(0)] public string? Fingerprint { get; set; }

    /// <summary>The id chosen for the new citizen, saved before anything else so a retry reuses it.</summary>
    [Id(1)] public string? CitizenId { get; set; }

    /// <summary>Set once the citizen exists: from then on the request id only answers with it.</summary>
    [Id(2)] public bool Completed { get; set; }
}

/// <summary>
/// One registration attempt, keyed by the client's request id. Each step is saved before the next
/// starts, so a retry after a crash at any point finishes the same registration instead of making a
/// second citizen.
/// </summary>
[GrainType("citizenregistration")]
public sealed class CitizenRegistrationGrain(
    [PersistentState("citizen-registration")] IPersistentState<CitizenRegistrationState> attempt,
    IGrainFactory grains,
    KeyedHasher hasher) : Grain, ICitizenRegistrationGrain
{
    private IGrainTimer? _leave;

    public async Task<CitizenSnapshot> Register(NewCitizen citizen)
    {
        _leave = this.LeaveWhenQuiet(_leave); // used around one request (a retry reads it back)
        var fingerprint = hasher.Fingerprint(citizen);
        var state = attempt.State;
        if (state.Fingerprint is not null && state.Fingerprint != fingerprint)
        {
            throw DomainException.InvalidArgument(
                "request_id", "was already used for a different registration; use a new request id for a new request");
        }

        if (state.Completed)
        {
            return await grains.GetGrain<ICitizenGrain>(state.CitizenId!).Get();
        }

        if (state.CitizenId is null)
        {
            state.Fingerprint = fingerprint;
            state.CitizenId = CitizenIds.New();
            await attempt.WriteOrForgetAsync(this);
        }

        var index = grains.GetGrain<ICitizenIdNumberIndexGrain>(hasher.IdNumberKey(citizen.IdNumber));
        var created = await index.Register(state.CitizenId, citizen);

        state.Completed = true;
        await attempt.WriteOrForgetAsync(this);
        return created;
    }
}

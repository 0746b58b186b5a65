using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Citizens;

[GenerateSerializer]
public sealed class CitizenIdNumberIndexState
{
    /// <summary>The citizen that holds this ID number; null while unclaimed.</summary>
    [Id(0)] public string? CitizenId { get; set; }
}

/// <summary>
/// Holds the one-citizen-per-ID-number rule for one number. Because the grain is not reentrant, two
/// registrations of the same number run one after the other, never interleaved.
/// </summary>
[GrainType("citizenidnumberindex")]
public sealed class CitizenIdNumberIndexGrain(
    [PersistentState("citizen-id-number-index")] IPersistentState<CitizenIdNumberIndexState> index,
    IGrainFactory grains) : Grain, ICitizenIdNumberIndexGrain
{
    private IGrainTimer? _leave;

    public async Task<CitizenSnapshot> Register(string citizenId, NewCitizen citizen)
    {
        _leave = this.LeaveWhenQuiet(_leave); // used around one request (a retry reads it back)
        var owner = index.State.CitizenId;
        if (owner is not null && owner != citizenId)
        {
            // A claim whose citizen was never created (the host died between the two writes) is
            // abandoned: nothing is in flight for it, since every creation goes through this grain.
            if (await grains.GetGrain<ICitizenGrain>(owner).Exists())
            {
                throw DomainException.AlreadyExists("A citizen with this resident ID number is already registered.");
            }
        }

        if (owner != citizenId)
        {
            index.State.CitizenId = citizenId;
            await index.WriteOrForgetAsync(this);
        }

        return await grains.GetGrain<ICitizenGrain>(citizenId).Create(citizen);
    }
}

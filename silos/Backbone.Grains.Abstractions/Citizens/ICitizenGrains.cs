using Orleans.Concurrency;

namespace Backbone.Grains.Abstractions.Citizens;

/// <summary>One citizen's record, keyed by the citizen id. The only writer of that record.</summary>
public interface ICitizenGrain : IGrainWithStringKey
{
    /// <summary>Creates the record; creating it again with the same ID number returns it unchanged.</summary>
    Task<CitizenSnapshot> Create(NewCitizen citizen);

    /// <exception cref="Errors.DomainException">NotFound when no such citizen was registered.</exception>
    [ReadOnly]
    Task<CitizenSnapshot> Get();

    [ReadOnly]
    Task<bool> Exists();

    /// <exception cref="Errors.DomainException">NotFound, or Aborted when the expected etag is stale.</exception>
    Task<CitizenSnapshot> Update(CitizenChange change);
}

/// <summary>
/// The one-citizen-per-ID-number rule, keyed by a keyed hash of the number (the number itself is
/// never a grain key, so it never shows in logs, directories or storage keys).
/// </summary>
public interface ICitizenIdNumberIndexGrain : IGrainWithStringKey
{
    /// <summary>
    /// Claims the number for <paramref name="citizenId"/> and creates that citizen.
    /// Throws AlreadyExists when another registered citizen holds the number.
    /// </summary>
    Task<CitizenSnapshot> Register(string citizenId, NewCitizen citizen);
}

/// <summary>
/// One registration attempt, keyed by the client's request id: makes retries return the first result
/// and create nothing.
/// </summary>
public interface ICitizenRegistrationGrain : IGrainWithStringKey
{
    Task<CitizenSnapshot> Register(NewCitizen citizen);
}

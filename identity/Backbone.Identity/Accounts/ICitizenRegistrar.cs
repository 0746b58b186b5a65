using Backbone.Grains.Abstractions.Errors;

namespace Backbone.Identity.Accounts;

/// <summary>
/// Creates the backbone citizen record behind a citizen account. The embedded provider calls the grains;
/// the stand-alone host calls the backbone's RegisterCitizen RPC.
/// </summary>
public interface ICitizenRegistrar
{
    /// <summary>
    /// Registers (or, for the same <paramref name="requestId"/>, returns) the citizen.
    /// Throws <see cref="DomainException"/> with field violations named after the RPC's fields
    /// (name, id_number, phone, address) when the backbone refuses the data.
    /// </summary>
    Task<RegisteredCitizen> RegisterAsync(string requestId, CitizenRegistration citizen, CancellationToken cancellationToken);
}

public sealed record CitizenRegistration(string Name, string IdNumber, string Mobile, string Address, string GridUnitCode);

/// <summary>The citizen as the backbone keeps it: its id and its normalized name.</summary>
public sealed record RegisteredCitizen(string CitizenId, string Name);

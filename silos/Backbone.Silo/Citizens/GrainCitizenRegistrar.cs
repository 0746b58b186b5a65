using Backbone.Grains;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Citizens;
using Backbone.Identity.Accounts;

namespace Backbone.Silo.Citizens;

/// <summary>The embedded identity provider's registrar: the same rules and grains as the RegisterCitizen RPC.</summary>
public sealed class GrainCitizenRegistrar(IGrainFactory grains, TimeProvider clock) : ICitizenRegistrar
{
    public async Task<RegisteredCitizen> RegisterAsync(string requestId, CitizenRegistration citizen, CancellationToken cancellationToken)
    {
        var violations = CitizenRules.ValidateRegistration(
            requestId, citizen.Name, citizen.IdNumber, citizen.Mobile, citizen.Address, citizen.GridUnitCode, ChinaTime.Today(clock),
            out var valid);
        DomainException.ThrowIfAny(violations);

        var registered = await grains.GetGrain<ICitizenRegistrationGrain>($"identity:{requestId}").Register(valid!);
        return new RegisteredCitizen(registered.CitizenId, registered.Name);
    }
}

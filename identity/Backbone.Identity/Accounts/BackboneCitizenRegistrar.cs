using Backbone.Grains.Abstractions.Errors;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;

namespace Backbone.Identity.Accounts;

/// <summary>
/// The stand-alone host's registrar: the backbone's RegisterCitizen RPC, called with the registrar
/// client's own client-credentials token (scope citizen.register).
/// </summary>
public sealed class BackboneCitizenRegistrar(CitizenService.CitizenServiceClient citizens) : ICitizenRegistrar
{
    public async Task<RegisteredCitizen> RegisterAsync(string requestId, CitizenRegistration citizen, CancellationToken cancellationToken)
    {
        try
        {
            var registered = await citizens.RegisterCitizenAsync(new RegisterCitizenRequest
            {
                RequestId = requestId,
                Name = citizen.Name,
                IdNumber = citizen.IdNumber,
                Phone = citizen.Mobile,
                Address = citizen.Address,
                GridUnitCode = citizen.GridUnitCode,
            }, cancellationToken: cancellationToken);
            return new RegisteredCitizen(registered.CitizenId, registered.Name);
        }
        catch (RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.InvalidArgument)
        {
            var violations = e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations
                .Select(v => new FieldViolation(v.Field, v.Description)).ToList() ?? [];
            throw violations.Count > 0 ? DomainException.InvalidArgument(violations) : DomainException.FailedPrecondition(e.Status.Detail);
        }
        catch (RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.AlreadyExists)
        {
            throw DomainException.AlreadyExists(e.Status.Detail);
        }
    }
}

/// <summary>The stand-alone host without <c>Backbone:Identity:BackboneAddress</c>: no citizen can be created.</summary>
public sealed class NoCitizenRegister : ICitizenRegistrar
{
    public Task<RegisteredCitizen> RegisterAsync(string requestId, CitizenRegistration citizen, CancellationToken cancellationToken) =>
        throw DomainException.FailedPrecondition(
            "Citizen sign-up is switched off: this identity host has no Backbone:Identity:BackboneAddress to register citizens at.");
}

using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Identity.Accounts;
using Backbone.Identity.Hosting;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backbone.Identity.Seeding;

/// <summary>
/// At start: creates the identity store, then makes the clients and accounts match configuration
/// (idempotent: running it again changes only what configuration changed). Citizens need the backbone;
/// when it cannot be reached yet, they are retried in the background until it can.
/// </summary>
public sealed class IdentitySeeder(
    IServiceProvider services, IdentitySettings settings, IHostApplicationLifetime lifetime, ILogger<IdentitySeeder> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _citizens = Task.CompletedTask;

    /// <summary>Every configured client and account exists (the host's readiness).</summary>
    public bool AllSeeded { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
            await db.Database.EnsureCreatedAsync(cancellationToken);
            await SeedClientsAsync(scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>(), cancellationToken);
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            foreach (var staff in settings.Staff)
            {
                MobilePhone.TryNormalize(staff.Mobile, out var mobile, out _);
                await accounts.SeedAsync(
                    new Account { Kind = CallerKinds.Staff, Mobile = mobile, Name = staff.Name, Role = staff.Role, Unit = staff.Unit },
                    staff.Password, cancellationToken);
            }

            if (await TrySeedCitizensAsync(scope.ServiceProvider, cancellationToken))
            {
                return;
            }
        }

        _citizens = Task.Run(() => RetryCitizensAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _citizens.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RetryCitizensAsync(CancellationToken stopping)
    {
        // A stand-alone host's registrar fetches its token from this host's own token endpoint, which
        // listens only once the host has started: the first retry waits for that, the next ones 10 s each.
        using (var started = CancellationTokenSource.CreateLinkedTokenSource(stopping, lifetime.ApplicationStarted))
        {
            await Task.Delay(Timeout.Infinite, started.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        for (var attempt = 0; !stopping.IsCancellationRequested; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await using var scope = services.CreateAsyncScope();
            try
            {
                if (stopping.IsCancellationRequested || await TrySeedCitizensAsync(scope.ServiceProvider, stopping))
                {
                    return;
                }
            }
            catch (SeedRefusedException e)
            {
                logger.LogError(e, "Seeding the demo citizens stopped");
                return;
            }
        }
    }

    private async Task<bool> TrySeedCitizensAsync(IServiceProvider scoped, CancellationToken cancellationToken)
    {
        var registrar = scoped.GetRequiredService<ICitizenRegistrar>();
        var accounts = scoped.GetRequiredService<AccountService>();
        try
        {
            foreach (var (seed, index) in settings.Citizens.Select((c, i) => (c, i)))
            {
                MobilePhone.TryNormalize(seed.Mobile, out var mobile, out _);
                RegisteredCitizen citizen;
                try
                {
                    citizen = await registrar.RegisterAsync(
                        "seed-" + mobile,
                        new CitizenRegistration(seed.Name, seed.IdNumber, mobile, seed.Address, seed.GridUnitCode),
                        cancellationToken);
                }
                catch (DomainException refused)
                {
                    // A seed the register refuses is a configuration error, not something to retry.
                    throw new SeedRefusedException(
                        $"Invalid configuration: {IdentitySettings.Section}:Citizens:{index} was refused: {refused.Message}", refused);
                }

                await accounts.SeedAsync(
                    new Account { Kind = CallerKinds.Citizen, Mobile = mobile, Name = citizen.Name, CitizenId = citizen.CitizenId },
                    seed.Password, cancellationToken);
            }

            AllSeeded = true;
            return true;
        }
        catch (Exception e) when (e is not (OperationCanceledException or SeedRefusedException))
        {
            logger.LogWarning(e, "Seeding the demo citizens failed; retrying in 10 seconds");
            return false;
        }
    }

    private async Task SeedClientsAsync(IOpenIddictApplicationManager applications, CancellationToken cancellationToken)
    {
        foreach (var client in settings.Clients)
        {
            var descriptor = new OpenIddictApplicationDescriptor();
            var existing = await applications.FindByClientIdAsync(client.ClientId, cancellationToken);
            if (existing is not null)
            {
                await applications.PopulateAsync(descriptor, existing, cancellationToken); // keeps the stored secret hash
            }

            Describe(client, descriptor);
            if (client.Secret.Length > 0
                && (existing is null || !await applications.ValidateClientSecretAsync(existing, client.Secret, cancellationToken)))
            {
                descriptor.ClientSecret = client.Secret;
            }

            if (existing is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
    }

    private static void Describe(IdentitySettings.ClientSeed client, OpenIddictApplicationDescriptor descriptor)
    {
        var confidential = client.Secret.Length > 0;
        var signsIn = client.RedirectUris.Count > 0;
        descriptor.ClientId = client.ClientId;
        descriptor.DisplayName = client.DisplayName.Length > 0 ? client.DisplayName : client.ClientId;
        descriptor.ClientType = confidential ? ClientTypes.Confidential : ClientTypes.Public;
        descriptor.ConsentType = client.Consent == "implicit" ? ConsentTypes.Implicit : ConsentTypes.Explicit;
        descriptor.RedirectUris.Clear();
        descriptor.PostLogoutRedirectUris.Clear();
        descriptor.Permissions.Clear();
        descriptor.Requirements.Clear();

        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        descriptor.Permissions.UnionWith(client.Scopes.Select(scope => Permissions.Prefixes.Scope + scope));
        if (confidential)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Introspection, Permissions.GrantTypes.ClientCredentials]);
        }

        if (signsIn)
        {
            descriptor.RedirectUris.UnionWith(client.RedirectUris.Select(u => new Uri(u)));
            descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris.Select(u => new Uri(u)));
            descriptor.Permissions.UnionWith(
            [
                Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Phone,
            ]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
    }

    /// <summary>The register refused a configured citizen: fix the configuration, retrying will not help.</summary>
    private sealed class SeedRefusedException(string message, Exception inner) : InvalidOperationException(message, inner);
}

namespace Backbone.Client;

/// <summary>Where the backbone is and how this app proves who it is.</summary>
public sealed class BackboneClientOptions
{
    /// <summary>The backbone's gRPC address, e.g. <c>http://127.0.0.1:5100</c>.</summary>
    public Uri? Address { get; set; }

    /// <summary>The identity provider (issuer URL), for client-credentials mode.</summary>
    public Uri? Authority { get; set; }

    public string ClientId { get; set; } = string.Empty;

    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Scopes to ask for; empty asks for every scope the app is allowed.</summary>
    public IList<string> Scopes { get; } = [];

    /// <summary>
    /// Citizen-delegated mode: gives the signed-in citizen's access token for each call (the app got it by
    /// authorization code + PKCE and refreshes it). When set, client credentials are not used.
    /// </summary>
    public Func<IServiceProvider, CancellationToken, ValueTask<string>>? AccessTokenProvider { get; set; }

    /// <summary>Deadline given to every call that sets none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per call (first try included) for calls that are safe to repeat, on UNAVAILABLE.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>A token is renewed this long before it expires.</summary>
    public TimeSpan RenewBeforeExpiry { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (Address is null)
        {
            throw new InvalidOperationException("BackboneClientOptions.Address is required.");
        }

        if (AccessTokenProvider is null && (Authority is null || ClientId.Length == 0 || ClientSecret.Length == 0))
        {
            throw new InvalidOperationException(
                "BackboneClientOptions needs Authority, ClientId and ClientSecret (client credentials) or an AccessTokenProvider (citizen-delegated).");
        }

        if (MaxAttempts is < 1 or > 5)
        {
            throw new InvalidOperationException("BackboneClientOptions.MaxAttempts must be 1 to 5 (gRPC caps retries at 5 attempts).");
        }
    }
}

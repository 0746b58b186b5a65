using Duende.IdentityModel.Client;
using Microsoft.Extensions.Options;

namespace Backbone.Client;

/// <summary>
/// Gets client-credentials tokens from the provider's token endpoint (found by discovery), keeps the
/// current one, and renews it shortly before it expires. Concurrent callers share one renewal.
/// </summary>
public sealed class ClientCredentialsTokenSource(IHttpClientFactory httpClients, IOptions<BackboneClientOptions> options, TimeProvider clock) : IDisposable
{
    public const string HttpClientName = "Backbone.Client.Identity";

    private readonly SemaphoreSlim _renewal = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _current;
    private string? _tokenEndpoint;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && clock.GetUtcNow() < current.RenewAt)
        {
            return current.Token;
        }

        await _renewal.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } renewed && clock.GetUtcNow() < renewed.RenewAt)
            {
                return renewed.Token;
            }

            var settings = options.Value;
            using var http = httpClients.CreateClient(HttpClientName);
            _tokenEndpoint ??= await DiscoverTokenEndpointAsync(http, settings, cancellationToken);
            var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
            {
                Address = _tokenEndpoint,
                ClientId = settings.ClientId,
                ClientSecret = settings.ClientSecret,
                Scope = settings.Scopes.Count > 0 ? string.Join(' ', settings.Scopes) : null,
            }, cancellationToken);
            if (response.IsError || response.AccessToken is null)
            {
                throw new BackboneTokenException($"The identity provider refused a token to {settings.ClientId}: {response.Error} {response.ErrorDescription}");
            }

            var lifetime = TimeSpan.FromSeconds(Math.Max(response.ExpiresIn, 0));
            var renewAt = clock.GetUtcNow() + (lifetime > settings.RenewBeforeExpiry * 2 ? lifetime - settings.RenewBeforeExpiry : lifetime / 2);
            _current = (response.AccessToken, renewAt);
            return response.AccessToken;
        }
        finally
        {
            _renewal.Release();
        }
    }

    private static async Task<string> DiscoverTokenEndpointAsync(HttpClient http, BackboneClientOptions settings, CancellationToken cancellationToken)
    {
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = settings.Authority!.ToString(),
            Policy = { RequireHttps = settings.Authority.Scheme == Uri.UriSchemeHttps || !settings.Authority.IsLoopback },
        }, cancellationToken);
        return discovery.IsError || discovery.TokenEndpoint is null
            ? throw new BackboneTokenException($"The identity provider's discovery document at {settings.Authority} could not be read: {discovery.Error}")
            : discovery.TokenEndpoint;
    }

    public void Dispose() => _renewal.Dispose();
}

/// <summary>No token could be had from the identity provider.</summary>
public sealed class BackboneTokenException(string message) : Exception(message);

using Duende.IdentityModel.Client;

namespace Backbone.Tests.Support;

/// <summary>Token requests to the identity provider over HTTP, made with Duende.IdentityModel as a partner app would.</summary>
public sealed class IdentityClient(Uri provider) : IDisposable
{
    private readonly HttpClient _http = new();

    public Uri Provider => provider;

    public string TokenEndpoint => new Uri(provider, "connect/token").ToString();

    public Task<DiscoveryDocumentResponse> DiscoverAsync() =>
        _http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = provider.ToString(), Policy = { RequireHttps = false } });

    public Task<TokenResponse> ClientCredentialsAsync(string clientId, string secret, string? scope = null) =>
        _http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = clientId,
            ClientSecret = secret,
            Scope = scope,
        });

    public async Task<string> PartnerTokenAsync(string? scope = null) =>
        Ensure(await ClientCredentialsAsync(TestIdentity.Partner, TestIdentity.PartnerSecret, scope)).AccessToken!;

    public Task<TokenResponse> ExchangeCodeAsync(string clientId, string redirectUri, string code, string? codeVerifier) =>
        _http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = TokenEndpoint,
            ClientId = clientId,
            RedirectUri = redirectUri,
            Code = code,
            CodeVerifier = codeVerifier,
        });

    public Task<TokenResponse> RefreshAsync(string clientId, string refreshToken) =>
        _http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = TokenEndpoint, ClientId = clientId, RefreshToken = refreshToken });

    public Task<TokenRevocationResponse> RevokeAsync(string clientId, string token, string? secret = null) =>
        _http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = new Uri(provider, "connect/revoke").ToString(),
            ClientId = clientId,
            ClientSecret = secret,
            Token = token,
        });

    public Task<TokenIntrospectionResponse> IntrospectAsync(string clientId, string secret, string token) =>
        _http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = new Uri(provider, "connect/introspect").ToString(),
            ClientId = clientId,
            ClientSecret = secret,
            Token = token,
        });

    public Task<UserInfoResponse> UserInfoAsync(string accessToken) =>
        _http.GetUserInfoAsync(new UserInfoRequest { Address = new Uri(provider, "connect/userinfo").ToString(), Token = accessToken });

    /// <summary>Signs a citizen or staff member in through the pages (code + PKCE) and exchanges the code.</summary>
    public async Task<TokenResponse> SignInAsync(string clientId, string redirectUri, string scope, string mobile, string password)
    {
        using var browser = new BrowserSession(provider);
        var pkce = Pkce.Create();
        var redirect = await browser.AuthorizeAsync(clientId, redirectUri, scope, mobile, password, pkce);
        return Ensure(await ExchangeCodeAsync(clientId, redirectUri, redirect.Code ?? throw new InvalidOperationException($"No code: {redirect.Location}"), pkce.Verifier));
    }

    /// <summary>The seeded citizen's access token, signed in through the mini-program.</summary>
    public async Task<string> CitizenTokenAsync(string scope) =>
        (await SignInAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, scope, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword)).AccessToken!;

    /// <summary>A seeded staff member's access token, signed in through the staff console.</summary>
    public async Task<string> StaffTokenAsync(string mobile, string scope) =>
        (await SignInAsync(TestIdentity.StaffConsole, TestIdentity.StaffConsoleRedirect, scope, mobile, TestIdentity.StaffPassword)).AccessToken!;

    public static TokenResponse Ensure(TokenResponse response) =>
        response.IsError ? throw new InvalidOperationException($"Token request failed: {response.Error} {response.ErrorDescription}") : response;

    public void Dispose() => _http.Dispose();
}

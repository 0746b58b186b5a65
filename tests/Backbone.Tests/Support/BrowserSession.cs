using Backbone.LoadTests;
using Duende.IdentityModel.Client;
using Page = Backbone.LoadTests.ProviderPage;

namespace Backbone.Tests.Support;

/// <summary>Where an authorization request ended: the redirect back to the app, and which pages it went through.</summary>
public sealed record AppRedirect(Uri Location, bool SawLogin, bool SawConsent)
{
    public string? Code => Query("code");

    public string? Error => Query("error");

    public string? State => Query("state");

    private string? Query(string name) =>
        System.Web.HttpUtility.ParseQueryString(Location.Query)[name];
}

/// <summary>
/// A browser without a browser: the load runner's <see cref="ProviderPages"/> (one cookie jar, plain
/// HTTP, redirects followed by hand so the test sees each page and stops at the redirect that leaves
/// the identity provider for the app), plus the authorization flow tests drive through it.
/// </summary>
public sealed class BrowserSession(Uri provider) : IDisposable
{
    private readonly ProviderPages _pages = new(provider);

    public string AuthorizeUrl(string clientId, string redirectUri, string scope, Pkce? pkce, string state = "state-1", string? prompt = null,
        string codeChallengeMethod = "S256") =>
        new RequestUrl(new Uri(provider, "connect/authorize").ToString()).CreateAuthorizeUrl(
            clientId, "code", scope, redirectUri, state: state, nonce: "nonce-1", prompt: prompt,
            codeChallenge: pkce?.Challenge, codeChallengeMethod: pkce is null ? null : codeChallengeMethod);

    /// <summary>
    /// Sends the authorization request, signs in if the login page shows, answers the consent page if it
    /// shows, and returns the redirect to the app.
    /// </summary>
    public async Task<AppRedirect> AuthorizeAsync(
        string clientId, string redirectUri, string scope, string mobile, string password, Pkce? pkce = null, bool consent = true)
    {
        var page = await GetAsync(AuthorizeUrl(clientId, redirectUri, scope, pkce));
        bool sawLogin = false, sawConsent = false;
        for (var step = 0; step < 4 && page.Redirect is null; step++)
        {
            if (page.Html.Contains("name=\"password\"", StringComparison.Ordinal))
            {
                sawLogin = true;
                page = await SubmitAsync(page, new() { ["mobile"] = mobile, ["password"] = password });
            }
            else if (page.Html.Contains("name=\"decision\"", StringComparison.Ordinal))
            {
                sawConsent = true;
                page = await SubmitAsync(page, new() { ["decision"] = consent ? "accept" : "deny" });
            }
            else
            {
                throw new InvalidOperationException($"Unexpected page ({page.Status}): {page.Html}");
            }
        }

        return new AppRedirect(page.Redirect ?? throw new InvalidOperationException($"The flow never returned to the app; the last page ({page.Status}): {page.Html}"), sawLogin, sawConsent);
    }

    /// <summary>Fills in the sign-up page; a successful sign-up leaves this session signed in.</summary>
    public async Task<Page> SignUpAsync(NewAccount account)
    {
        var form = await GetAsync("/account/signup");
        return await SubmitAsync(form, new()
        {
            ["phone"] = account.Mobile,
            ["password"] = account.Password,
            ["name"] = account.Name,
            ["id_number"] = account.IdNumber,
            ["address"] = account.Address,
        });
    }

    public Task<Page> GetAsync(string url) => _pages.GetAsync(url);

    /// <summary>Posts the page's first form: its hidden fields plus <paramref name="fields"/>.</summary>
    public Task<Page> SubmitAsync(Page page, Dictionary<string, string> fields, bool dropHidden = false) => _pages.SubmitAsync(page, fields, dropHidden);

    public Task<Page> FollowAsync(HttpResponseMessage response) => _pages.FollowAsync(response);

    public void Dispose() => _pages.Dispose();
}

/// <summary>A person who has not signed up yet.</summary>
public sealed record NewAccount(string Mobile, string Password, string Name, string IdNumber, string Address)
{
    public static NewAccount Fresh(string name = "王小明") =>
        new(TestData.Phone(), "pass-" + Guid.NewGuid().ToString("N")[..12], name, TestData.IdNumber(), "成都市青羊区少城路1号");
}

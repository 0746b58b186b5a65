using System.Net;
using System.Text.RegularExpressions;
using Duende.IdentityModel.Client;

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
/// A browser without a browser: one cookie jar, plain HTTP, redirects followed by hand so the test sees
/// each page and stops at the redirect that leaves the identity provider for the app.
/// </summary>
public sealed partial class BrowserSession(Uri provider) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        BaseAddress = provider,
    };

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
        var page = await FollowAsync(await _http.GetAsync(AuthorizeUrl(clientId, redirectUri, scope, pkce)));
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

    public async Task<Page> GetAsync(string url) => await FollowAsync(await _http.GetAsync(url));

    /// <summary>Posts the page's first form: its hidden fields plus <paramref name="fields"/>.</summary>
    public async Task<Page> SubmitAsync(Page page, Dictionary<string, string> fields, bool dropHidden = false)
    {
        var action = WebUtility.HtmlDecode(FormAction().Match(page.Html).Groups[1].Value);
        var form = dropHidden
            ? new Dictionary<string, string>()
            : HiddenInput().Matches(page.Html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        foreach (var (name, value) in fields)
        {
            form[name] = value;
        }

        return await FollowAsync(await _http.PostAsync(action, new FormUrlEncodedContent(form)));
    }

    /// <summary>Follows redirects within the provider; stops at a page, or at a redirect to anywhere else.</summary>
    public async Task<Page> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10; hops++)
        {
            if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther))
            {
                return new Page(response.StatusCode, await response.Content.ReadAsStringAsync(), null);
            }

            var location = new Uri(provider, response.Headers.Location!);
            if (location.Authority != provider.Authority)
            {
                return new Page(response.StatusCode, string.Empty, location);
            }

            response.Dispose();
            response = await _http.GetAsync(location);
        }

        throw new InvalidOperationException("Too many redirects.");
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]*)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();
}

/// <summary>A page the provider rendered, or (when <see cref="Redirect"/> is set) the redirect that left it.</summary>
public sealed record Page(HttpStatusCode Status, string Html, Uri? Redirect);

/// <summary>A person who has not signed up yet.</summary>
public sealed record NewAccount(string Mobile, string Password, string Name, string IdNumber, string Address)
{
    public static NewAccount Fresh(string name = "王小明") =>
        new(TestData.Phone(), "pass-" + Guid.NewGuid().ToString("N")[..12], name, TestData.IdNumber(), "成都市青羊区少城路1号");
}

using System.Net;
using System.Text.RegularExpressions;

namespace Backbone.LoadTests;

/// <summary>A page the provider rendered, or (when <see cref="Redirect"/> is set) the redirect that left it.</summary>
public sealed record ProviderPage(HttpStatusCode Status, string Html, Uri? Redirect);

/// <summary>
/// Just enough of a browser for the sign-on's pages: one cookie jar, forms (with their hidden fields),
/// redirects followed by hand within the provider, stopping at the redirect that leaves it for the app.
/// </summary>
public sealed partial class ProviderPages(Uri provider) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = provider };

    public async Task<ProviderPage> GetAsync(string url) => await FollowAsync(await _http.GetAsync(url));

    /// <summary>Posts the page's first form: its hidden fields (unless <paramref name="dropHidden"/>) plus <paramref name="fields"/>.</summary>
    public async Task<ProviderPage> SubmitAsync(ProviderPage page, Dictionary<string, string> fields, bool dropHidden = false)
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
    public async Task<ProviderPage> FollowAsync(HttpResponseMessage response)
    {
        for (var hops = 0; hops < 10; hops++)
        {
            if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther))
            {
                return new ProviderPage(response.StatusCode, await response.Content.ReadAsStringAsync(), null);
            }

            var location = new Uri(provider, response.Headers.Location!);
            if (location.Authority != provider.Authority)
            {
                return new ProviderPage(response.StatusCode, string.Empty, location);
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

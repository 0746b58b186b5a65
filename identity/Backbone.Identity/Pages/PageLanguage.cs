namespace Backbone.Identity.Pages;

/// <summary>The language of the rendered pages: Chinese unless the browser or the link asks for English.</summary>
public enum PageLanguage
{
    Chinese,
    English,
}

public static class PageLanguages
{
    /// <summary>
    /// <c>?lang=en|zh</c> first (the authorization endpoint passes an app's <c>ui_locales</c> on that way),
    /// then OpenID Connect's <c>ui_locales</c>, then the browser's <c>Accept-Language</c>.
    /// </summary>
    public static PageLanguage Of(HttpRequest request)
    {
        var asked = request.Query["lang"].ToString();
        if (asked.Length == 0)
        {
            asked = request.Query["ui_locales"].ToString();
        }

        if (asked.Length == 0)
        {
            asked = request.Headers.AcceptLanguage.ToString();
        }

        return asked.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? PageLanguage.English : PageLanguage.Chinese;
    }

    public static string Pick(this PageLanguage language, string chinese, string english) =>
        language == PageLanguage.English ? english : chinese;
}

using System.Text;
using System.Text.Encodings.Web;

namespace Backbone.Identity.Pages;

/// <summary>
/// The provider's few pages, rendered without a view engine. Every value goes through the HTML encoder;
/// pages are never framed and send no referrer.
/// </summary>
public static class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    public static string Encode(string? value) => Encoder.Encode(value ?? string.Empty);

    public static IResult Page(PageLanguage language, string title, string body, int statusCode = StatusCodes.Status200OK) =>
        new PageResult(Document(language, title, body), statusCode);

    public static string Document(PageLanguage language, string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="{{language.Pick("zh-CN", "en")}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Encode(title)}}</title>
        <style>
        body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}
        label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}
        button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00020}.hint{color:#666;font-size:.9rem}
        </style>
        </head>
        <body>
        <h1>{{Encode(title)}}</h1>
        {{body}}
        </body>
        </html>
        """;

    public static string Hidden(string name, string? value) =>
        $"""<input type="hidden" name="{Encode(name)}" value="{Encode(value)}">""";

    public static string Field(string name, string label, string type, string? value, string? error, string autocomplete)
    {
        var html = new StringBuilder();
        html.Append($"""<label for="{name}">{Encode(label)}</label>""");
        html.Append($"""<input id="{name}" name="{name}" type="{type}" value="{Encode(value)}" autocomplete="{autocomplete}" required>""");
        if (!string.IsNullOrEmpty(error))
        {
            html.Append($"""<div class="error" id="{name}-error">{Encode(error)}</div>""");
        }

        return html.ToString();
    }

    public static string Error(string? message) =>
        string.IsNullOrEmpty(message) ? string.Empty : $"""<p class="error" role="alert">{Encode(message)}</p>""";

    private sealed class PageResult(string html, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.XFrameOptions = "DENY";
            response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
            response.Headers["Referrer-Policy"] = "no-referrer";
            return response.WriteAsync(html, Encoding.UTF8);
        }
    }
}

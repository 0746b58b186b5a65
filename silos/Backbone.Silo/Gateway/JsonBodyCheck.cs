using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Backbone.Silo.Gateway;

/// <summary>
/// Guards the JSON gateway's request bodies before transcoding sees them: at most
/// <see cref="MaxBodyBytes"/>, and well-formed JSON, else a JSON <c>google.rpc.Status</c> with 400 or 413
/// (transcoding itself would answer a malformed body with 500).
/// </summary>
public static class JsonBodyCheck
{
    public const long MaxBodyBytes = 64 * 1024;

    // Other calls go straight on, without an async frame of this middleware around them.
    public static void UseJsonBodyCheck(this IApplicationBuilder app) =>
        app.Use(next => http => CarriesJsonBody(http.Request) ? CheckAsync(http, next) : next(http));

    // A GET (or HEAD, DELETE) carries nothing transcoding reads, whatever content type a client library labels it with.
    private static bool CarriesJsonBody(HttpRequest request) =>
        request.Path.StartsWithSegments("/v1") && (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false)
        && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsDelete(request.Method);

    private static async Task CheckAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        byte[] body;
        try
        {
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, http.RequestAborted);
            body = copy.ToArray();
            using (JsonDocument.Parse(body))
            {
            }
        }
        catch (JsonException e)
        {
            await JsonStatus.WriteAsync(http, StatusCodes.Status400BadRequest, 3, $"The body is not valid JSON: {e.Message}");
            return;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await JsonStatus.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, 3, $"The body is larger than {MaxBodyBytes} bytes.");
            return;
        }

        // Transcoding reads the body again: hand it the bytes already read.
        request.Body = new MemoryStream(body, writable: false);
        await next(http);
    }
}

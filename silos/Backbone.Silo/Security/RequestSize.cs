using Microsoft.AspNetCore.Http.Features;

namespace Backbone.Silo.Security;

/// <summary>
/// The largest request any call may send, as JSON or as protobuf: 64 KiB, where the longest text a request carries is a
/// directive's 5,000 characters (at most 20 KB in UTF-8). Requests are read whole before the caller's token is checked,
/// so this bounds what anyone can make a node hold for each call in flight (grpc-dotnet's own default is 4 MiB).
/// </summary>
public static class RequestSize
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// The request's body read whole, for a check before the pipeline reads it again (hand it on as a new body), or null
    /// when it is longer than <paramref name="maxBytes"/>: Kestrel stops reading there.
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpContext http, long maxBytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        using var body = new MemoryStream();
        try
        {
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return body.Length > maxBytes ? null : body.ToArray(); // the limit is read-only once reading began elsewhere
    }
}

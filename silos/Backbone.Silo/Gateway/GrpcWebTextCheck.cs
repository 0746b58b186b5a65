using System.Buffers.Text;
using Backbone.Silo.Security;

namespace Backbone.Silo.Gateway;

/// <summary>
/// A gRPC-Web call in text mode (<c>application/grpc-web-text</c>, the request base64-encoded, as browsers without
/// binary streams send it) whose body is not base64 is refused with <c>INVALID_ARGUMENT</c>. grpc-dotnet's decoder
/// answered it with <c>UNKNOWN</c> and left two errors in the log, its own and Kestrel's, for every such request.
/// The body is read here first (it is small: a request of at most <see cref="RequestSize.MaxBytes"/>, a third more as
/// base64) and handed on as read.
/// </summary>
public static class GrpcWebTextCheck
{
    private const int MaxBase64Bytes = (RequestSize.MaxBytes + 5 + 2) / 3 * 4; // the message and its 5-byte frame header, as base64

    public static void UseGrpcWebTextCheck(this IApplicationBuilder app) =>
        app.Use(next => http => GatewayRequests.IsGrpcWebText(http.Request)
            ? CheckAsync(http, next)
            : next(http));

    private static async Task CheckAsync(HttpContext http, RequestDelegate next)
    {
        if (await RequestSize.ReadBodyAsync(http, MaxBase64Bytes) is not { } body)
        {
            Refuse(http, 8, $"The request is larger than {RequestSize.MaxBytes} bytes."); // RESOURCE_EXHAUSTED, as for any call
            return;
        }

        if (!IsBase64(body))
        {
            Refuse(http, 3, "The gRPC-Web text request is not base64."); // INVALID_ARGUMENT
            return;
        }

        http.Request.Body = new MemoryStream(body, writable: false);
        await next(http);
    }

    // One or more base64 strings, each padded to whole groups of four, one after another (a client may send each
    // frame encoded on its own).
    private static bool IsBase64(ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty)
        {
            var end = text.IndexOf((byte)'=');
            var padded = end < 0 ? text.Length : (end + 4) / 4 * 4; // the group that holds the padding ends the string
            if (padded > text.Length || !Base64.IsValid(text[..padded]))
            {
                return false;
            }

            text = text[padded..];
        }

        return true;
    }

    // A trailers-only answer, as gRPC-Web clients read a refusal: the status in the headers, no body.
    private static void Refuse(HttpContext http, int code, string message)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = GatewayRequests.GrpcWebTextContentType;
        http.Response.Headers["grpc-status"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = message;
    }
}

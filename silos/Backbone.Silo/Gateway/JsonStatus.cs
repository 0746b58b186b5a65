using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Backbone.Silo.Gateway;

/// <summary>Answers an HTTP request with a JSON <c>google.rpc.Status</c>, as the JSON gateway's own errors look.</summary>
public static class JsonStatus
{
    /// <summary>The error details the services attach, which JSON error bodies carry (transcoding's and these alike).</summary>
    public static readonly TypeRegistry ErrorDetails = TypeRegistry.FromMessages(
        Google.Rpc.BadRequest.Descriptor, Google.Rpc.RetryInfo.Descriptor, Google.Rpc.ErrorInfo.Descriptor, Google.Rpc.PreconditionFailure.Descriptor);

    // As transcoding writes a status: every field, defaults included.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithTypeRegistry(ErrorDetails));

    public static Task WriteAsync(HttpContext http, int status, int code, string message) =>
        WriteAsync(http, status, new Google.Rpc.Status { Code = code, Message = message });

    public static Task WriteAsync(HttpContext http, int status, Google.Rpc.Status body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(Format(body));
    }

    public static string Format(Google.Rpc.Status status) => Formatter.Format(status);
}

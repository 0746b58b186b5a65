using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Backbone.Silo.Gateway;

/// <summary>Answers an HTTP request with a JSON <c>google.rpc.Status</c>, as the JSON gateway's own errors look.</summary>
public static class JsonStatus
{
    // As transcoding writes a status: every field, defaults included, and the details the services attach.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true)
        .WithTypeRegistry(TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor, Google.Rpc.RetryInfo.Descriptor)));

    public static Task WriteAsync(HttpContext http, int status, int code, string message) =>
        WriteAsync(http, status, new Google.Rpc.Status { Code = code, Message = message });

    public static Task WriteAsync(HttpContext http, int status, Google.Rpc.Status body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(Formatter.Format(body));
    }
}

namespace Backbone.Silo.Gateway;

/// <summary>Answers an HTTP request with a JSON <c>google.rpc.Status</c>, as the JSON gateway's own errors look.</summary>
public static class JsonStatus
{
    public static Task WriteAsync(HttpContext http, int status, int code, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new { code, message, details = Array.Empty<object>() });
    }
}

using System.Globalization;
using Google.Rpc;
using Grpc.Core;

namespace Backbone.Silo.Gateway;

/// <summary>
/// Callers of the JSON gateway (mini-programs, web pages, and the HTTP proxies and client libraries between)
/// learn when to come back from the standard <c>Retry-After</c> header, not from the <c>RetryInfo</c> inside a
/// JSON status. A JSON call refused with one (peak mode, a paused feature, a rate limit, a passing failure)
/// gets the header too, in whole seconds rounded up. Native gRPC and gRPC-Web callers read the trailers.
/// </summary>
public static class JsonRetryAfter
{
    public static void Add(ServerCallContext context, RpcException refusal)
    {
        var http = context.GetHttpContext();
        if (http.Response.HasStarted || (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ?? false)
            || refusal.GetRpcStatus()?.GetDetail<RetryInfo>() is not { RetryDelay: { } delay })
        {
            return;
        }

        http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(delay.ToTimeSpan().TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }
}

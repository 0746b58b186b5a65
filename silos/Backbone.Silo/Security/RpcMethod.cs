using System.Collections.Concurrent;

namespace Backbone.Silo.Security;

/// <summary>
/// A gRPC method path (<c>/backbone.v1.CaseService/GetCase</c>) taken apart once and remembered, so
/// the per-call hot path (rate limits, metrics) does not split strings. Only mapped methods reach the
/// interceptors, so the cache stays as small as the service list.
/// </summary>
public sealed record RpcMethod(string Service, string ShortService, string Name)
{
    private static readonly ConcurrentDictionary<string, RpcMethod> Known = new(StringComparer.Ordinal);

    public static RpcMethod Of(string path) => Known.GetOrAdd(path, static p =>
    {
        var slash = p.LastIndexOf('/');
        var service = slash > 0 ? p[1..slash] : p.TrimStart('/');
        return new RpcMethod(service, service[(service.LastIndexOf('.') + 1)..], slash > 0 ? p[(slash + 1)..] : string.Empty);
    });
}

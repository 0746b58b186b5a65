using System.Threading.RateLimiting;
using Backbone.Silo.Errors;
using Backbone.Silo.Hosting;
using Grpc.Core;

namespace Backbone.Silo.Security;

/// <summary>
/// A token bucket per caller and service: one partner app, citizen or staff member flooding a service
/// is refused with RESOURCE_EXHAUSTED (HTTP 429 through the JSON gateway) and a retry hint, while every
/// other caller is served as before.
/// </summary>
public sealed class CallerRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<(string Service, string Caller)> _limiter;

    public CallerRateLimits(BackboneOptions options)
    {
        // Made once: the partitioner runs on every call, and a lambda capturing the rate would be allocated each time.
        Func<(string Service, string Caller), TokenBucketRateLimiterOptions> bucket = key =>
        {
            var perSecond = options.Gateway.RateLimits.GetValueOrDefault(key.Service)
                is > 0 and var configured ? configured : options.Gateway.RateLimits.GetValueOrDefault("Default", 1000);
            return new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecond * 2,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            };
        };
        _limiter = PartitionedRateLimiter.Create<(string Service, string Caller), (string, string)>(
            key => RateLimitPartition.GetTokenBucketLimiter(key, bucket));
    }

    public void Admit(string method, Caller caller)
    {
        var service = RpcMethod.Of(method).ShortService;
        using var lease = _limiter.AttemptAcquire((service, caller.LimitKey));
        if (!lease.IsAcquired)
        {
            throw ErrorMappingInterceptor.Retryable(StatusCode.ResourceExhausted,
                $"Too many calls to {service} from this {caller.Kind}; slow down and retry in a second.");
        }
    }

    public void Dispose() => _limiter.Dispose();
}

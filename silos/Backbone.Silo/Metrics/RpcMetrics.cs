using System.Diagnostics;
using System.Diagnostics.Metrics;
using Backbone.Silo.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Backbone.Silo.Metrics;

/// <summary>
/// Every RPC's duration and final status, as the histogram <c>backbone.rpc.server.duration</c> (its
/// count is the request count) tagged with service, method and gRPC status: refusals by the token
/// check, the rate limits, peak mode and feature flags included, since this interceptor runs first.
/// Streams are measured from open to close.
/// </summary>
public sealed class RpcMetrics : Interceptor
{
    private readonly Histogram<double> _duration;

    public RpcMetrics(IMeterFactory meters) =>
        _duration = meters.Create(BackboneMeter.Name).CreateHistogram(
            "backbone.rpc.server.duration", unit: "s", description: "Duration of RPCs handled by this node, by service, method and status.", advice: BackboneMeter.SecondsBuckets);

    // One async frame per call: a shared helper taking a delegate cost a closure and a second frame.
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e)
        {
            status = StatusOf(e, context);
            OnRefused(e, context);
            throw;
        }
        finally
        {
            Record(context.Method, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e)
        {
            status = StatusOf(e, context);
            OnRefused(e, context);
            throw;
        }
        finally
        {
            Record(context.Method, status, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    // The outermost catch, which every refusal passes (the token check, rate limits, peak mode and flags answer
    // outside the error mapping): where a JSON caller also gets Retry-After.
    private static void OnRefused(Exception exception, ServerCallContext context)
    {
        if (exception is RpcException refusal)
        {
            Gateway.JsonRetryAfter.Add(context, refusal);
        }
    }

    private static StatusCode StatusOf(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    /// <summary>Counts a call answered outside the gRPC pipeline too (peak mode's early refusals).</summary>
    public void Record(string fullMethod, StatusCode status, double seconds)
    {
        var method = RpcMethod.Of(fullMethod);
        _duration.Record(seconds,
            new KeyValuePair<string, object?>("rpc.service", method.Service),
            new KeyValuePair<string, object?>("rpc.method", method.Name),
            new KeyValuePair<string, object?>("rpc.grpc.status_code", status.ToString()));
    }
}

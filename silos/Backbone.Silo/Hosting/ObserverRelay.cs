using System.Threading.Channels;
using Backbone.Grains.Abstractions;
using Backbone.Silo.Errors;
using Grpc.Core;

namespace Backbone.Silo.Hosting;

/// <summary>
/// A server stream fed by a grain observer: what grains hand the observer goes, through a channel, onto
/// the response stream until the call ends or the node stops. The subscriptions are renewed every minute
/// (grains drop watchers that stop renewing), and a grain's at once when its activation leaves and drops
/// its watchers. A node that stops ends the stream UNAVAILABLE, naming what the client resumes from, so it
/// watches again through another node and misses nothing.
/// </summary>
public static class ObserverRelay
{
    /// <summary>Well within the three minutes after which grains drop a watcher that did not renew.</summary>
    public static readonly TimeSpan Renewal = TimeSpan.FromMinutes(1);

    /// <param name="subscribe">
    /// Subscribes: with null at the start and at every renewal (every grain watched), with a grain's key
    /// when that grain dropped the watcher. Catching up on anything missed meanwhile is its business.
    /// </param>
    /// <param name="unsubscribe">Unsubscribes and releases the observer's reference, whatever ended the stream.</param>
    /// <param name="resumeField">The request field to resume with; null when the stream has none.</param>
    public static async Task RunAsync<T>(
        ServerCallContext context, IHostApplicationLifetime lifetime, RelayedWatcher<T> watcher, Func<string?, CancellationToken, Task> subscribe, Func<Task> unsubscribe,
        Func<T, CancellationToken, Task> write, string? resumeField)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var stopping = watching.Token;
        try
        {
            await subscribe(null, stopping);
            using var renew = new PeriodicTimer(Renewal);
            var renewal = renew.WaitForNextTickAsync(stopping).AsTask();
            var dropped = watcher.DroppedBy.Reader.ReadAsync(stopping).AsTask();
            Task<T>? next = null;
            while (!stopping.IsCancellationRequested)
            {
                next ??= watcher.Changes.Reader.ReadAsync(stopping).AsTask(); // one read at a time, so no change is taken and dropped
                var woke = await Task.WhenAny(next, renewal, dropped);
                if (woke == renewal)
                {
                    await renewal;
                    await subscribe(null, stopping);
                    renewal = renew.WaitForNextTickAsync(stopping).AsTask();
                }
                else if (woke == dropped)
                {
                    await subscribe(await dropped, stopping);
                    dropped = watcher.DroppedBy.Reader.ReadAsync(stopping).AsTask();
                }
                else
                {
                    var change = await next;
                    next = null;
                    await write(change, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            await unsubscribe();
        }

        if (!context.CancellationToken.IsCancellationRequested)
        {
            // Not the client going away (it needs no answer): this node is leaving.
            throw ErrorMappingInterceptor.Retryable(StatusCode.Unavailable, resumeField is null
                ? "This node is shutting down; watch again through another node."
                : $"This node is shutting down; watch again, with {resumeField}, to continue through another node.", TimeSpan.Zero);
        }
    }
}

/// <summary>
/// The observer behind one relayed stream (its gRPC call's <c>CreateObjectReference</c>): what grains hand
/// it waits in a channel for the stream's loop, and so do the keys of the grains that dropped it.
/// </summary>
public abstract class RelayedWatcher<T> : IWatcher
{
    internal Channel<T> Changes { get; } = Channel.CreateUnbounded<T>();

    internal Channel<string> DroppedBy { get; } = Channel.CreateUnbounded<string>();

    public void Dropped(string grainKey) => DroppedBy.Writer.TryWrite(grainKey);

    /// <summary>Queues a change for the stream (a grain's notification, or what a subscription returned).</summary>
    public void Relay(T change) => Changes.Writer.TryWrite(change);
}

using System.Threading.Channels;
using Backbone.Grains.Abstractions;
using Backbone.Silo.Errors;
using Grpc.Core;

namespace Backbone.Silo.Hosting;

/// <summary>
/// A server stream fed by a grain observer: what grains hand the observer goes, through a channel, onto
/// the response stream until the call ends or the node stops. The subscriptions are renewed every minute
/// (grains drop watchers that stop renewing), and a grain's at once when its activation leaves and drops
/// its watchers, and every grain's when the cluster declares a node dead (its activations told no one). A node
/// that stops ends the stream UNAVAILABLE, naming what the client resumes from, so it watches again through
/// another node and misses nothing.
/// </summary>
public sealed class ObserverRelay(IHostApplicationLifetime lifetime, NodeDeaths deaths)
{
    /// <summary>Well within the three minutes after which grains drop a watcher that did not renew.</summary>
    public static readonly TimeSpan Renewal = TimeSpan.FromMinutes(1);

    private const int ResubscribeAttempts = 10;

    private static readonly TimeSpan DeathJitter = TimeSpan.FromSeconds(3);

    /// <param name="subscribe">
    /// Subscribes: with null at the start, at every renewal and after a node's death (every grain watched), with a grain's key
    /// when that grain dropped the watcher. Catching up on anything missed meanwhile is its business.
    /// </param>
    /// <param name="unsubscribe">Unsubscribes and releases the observer's reference, whatever ended the stream.</param>
    /// <param name="resumeField">The request field to resume with; null when the stream has none.</param>
    public async Task RunAsync<T>(
        ServerCallContext context, RelayedWatcher<T> observer, Func<string?, CancellationToken, Task> subscribe, Func<Task> unsubscribe,
        Func<T, CancellationToken, Task> write, string? resumeField)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var stopping = watching.Token;

        // A node just declared dead, or Redis away for a moment, fails a subscription for a few seconds: the
        // stream waits that out rather than ending (the client would only have to watch again).
        async Task Resubscribe(string? grainKey)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await subscribe(grainKey, stopping);
                    return;
                }
                catch (Exception e) when (attempt < ResubscribeAttempts && (e is TimeoutException || ErrorMappingInterceptor.IsUnreachable(e)))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stopping);
                }
            }
        }

        try
        {
            var death = deaths.Next.WaitAsync(stopping); // taken before subscribing, so a death meanwhile is not missed
            await subscribe(null, stopping);
            using var renew = new PeriodicTimer(Renewal);
            var renewal = renew.WaitForNextTickAsync(stopping).AsTask();
            var dropped = observer.DroppedBy.Reader.ReadAsync(stopping).AsTask();
            Task<T>? next = null;
            while (!stopping.IsCancellationRequested)
            {
                next ??= observer.Changes.Reader.ReadAsync(stopping).AsTask(); // one read at a time, so no change is taken and dropped
                var woke = await Task.WhenAny(next, renewal, dropped, death);
                if (woke == renewal)
                {
                    await renewal;
                    await Resubscribe(null);
                    renewal = renew.WaitForNextTickAsync(stopping).AsTask();
                }
                else if (woke == death)
                {
                    await death;
                    death = deaths.Next.WaitAsync(stopping);
                    // Every stream of the node wakes at once: spread their subscriptions over a few seconds.
                    await Task.Delay(Random.Shared.Next((int)DeathJitter.TotalMilliseconds), stopping);
                    await Resubscribe(null);
                }
                else if (woke == dropped)
                {
                    await Resubscribe(await dropped);
                    dropped = observer.DroppedBy.Reader.ReadAsync(stopping).AsTask();
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

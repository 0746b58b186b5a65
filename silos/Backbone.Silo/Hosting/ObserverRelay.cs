using System.Threading.Channels;
using Backbone.Silo.Errors;
using Grpc.Core;

namespace Backbone.Silo.Hosting;

/// <summary>
/// A server stream fed by a grain observer: what the grain hands the observer goes, through a channel,
/// onto the response stream until the call ends or the node stops, the subscription renewed every
/// minute (grains drop watchers that stop renewing). A node that stops ends the stream UNAVAILABLE,
/// naming what the client resumes from, so it watches again through another node and misses nothing.
/// </summary>
public static class ObserverRelay
{
    /// <summary>Well within the three minutes after which grains drop a watcher that did not renew.</summary>
    public static readonly TimeSpan Renewal = TimeSpan.FromMinutes(1);

    /// <param name="subscribe">Subscribes (again, when renewing): catching up on anything missed is its business.</param>
    /// <param name="unsubscribe">Unsubscribes and releases the observer's reference, whatever ended the stream.</param>
    /// <param name="resumeField">The request field to resume with; null when the stream has none.</param>
    public static async Task RunAsync<T>(
        ServerCallContext context, IHostApplicationLifetime lifetime, ChannelReader<T> changes, Func<Task> subscribe, Func<Task> unsubscribe,
        Func<T, CancellationToken, Task> write, string? resumeField)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var stopping = watching.Token;
        try
        {
            await subscribe();
            using var renew = new PeriodicTimer(Renewal);
            var renewal = renew.WaitForNextTickAsync(stopping).AsTask();
            Task<T>? next = null;
            while (!stopping.IsCancellationRequested)
            {
                next ??= changes.ReadAsync(stopping).AsTask(); // one read at a time, so no change is taken and dropped
                if (await Task.WhenAny(next, renewal) == renewal)
                {
                    await renewal;
                    await subscribe();
                    renewal = renew.WaitForNextTickAsync(stopping).AsTask();
                    continue;
                }

                var change = await next;
                next = null;
                await write(change, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            await unsubscribe();
        }

        ThrowIfNodeLeaving(context, resumeField);
    }

    /// <summary>A client that went away needs no answer; one whose node is leaving is told to watch again through another node.</summary>
    public static void ThrowIfNodeLeaving(ServerCallContext context, string? resumeField)
    {
        if (!context.CancellationToken.IsCancellationRequested)
        {
            throw ErrorMappingInterceptor.Retryable(StatusCode.Unavailable, resumeField is null
                ? "This node is shutting down; watch again through another node."
                : $"This node is shutting down; watch again, with {resumeField}, to continue through another node.", TimeSpan.Zero);
        }
    }
}

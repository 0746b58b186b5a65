using Backbone.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Backbone.Grains.Persistence;

/// <summary>
/// The steps that follow from a change a grain has already saved (a reminder, a fan-out, another grain told).
/// When one fails (a grain or reminder range it needs was on a node that died and is not yet declared dead),
/// the call still answers with the saved change: failing it would send the caller to retry an action that
/// was done, and be refused, or a request that replays without what it set off. The grain then stays in
/// memory and retries every 2 s for up to 5 minutes; after that, or if the node stops, it finishes when it
/// next wakes, from what its saved state says is unfinished; one that leaves memory with work pending wakes
/// itself (<see cref="Leaving"/>).
/// </summary>
/// <param name="retryAll">Tries every step still unfinished (through <see cref="Attempt"/>); true when none is left.</param>
public sealed class AfterSave(IGrainBase grain, string kind, Func<Task<bool>> retryAll, ILogger logger)
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    public const int MaxRetries = 150;

    private IGrainTimer? _timer;
    private int _retries;
    private bool _retrying;

    /// <summary>
    /// Called as the grain leaves memory. Unfinished work leaves with the activation's timer, and Orleans drops the
    /// activations whose directory entry was on a node that died (DirectoryFailure) just when that work can
    /// succeed: the grain comes back at once (<see cref="IWakeable.Wake"/>, one-way) and its activation finishes it.
    /// </summary>
    public void Leaving()
    {
        if (_timer is not null)
        {
            _ = grain.GrainContext.ActivationServices.GetRequiredService<IGrainFactory>().GetGrain<IWakeable>(grain.GrainContext.GrainId).Wake();
        }
    }

    /// <summary>Runs one step; on failure logs it (a warning the first time) and makes sure it is retried.</summary>
    public async Task<bool> Attempt(string what, Func<Task> step)
    {
        try
        {
            await step();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var id = grain.GrainContext.GrainId.Key.ToString();
            if (_retrying)
            {
                logger.LogDebug(e, "{Kind} {Id}: {What} failed again", kind, id, what); // warned when it first failed
            }
            else
            {
                logger.LogWarning(e, "{Kind} {Id}: {What} failed after its change was saved; retrying every {Delay}", kind, id, what, RetryDelay);
            }

            _timer ??= grain.RegisterGrainTimer(Retry, new GrainTimerCreationOptions(RetryDelay, RetryDelay) { KeepAlive = true });
            return false;
        }
    }

    private async Task Retry()
    {
        bool done;
        _retrying = true;
        try
        {
            done = await retryAll();
        }
        finally
        {
            _retrying = false;
        }

        if (done || ++_retries >= MaxRetries)
        {
            if (!done)
            {
                logger.LogError("{Kind} {Id}: stopped retrying what its last change set off; it is finished when it next wakes", kind, grain.GrainContext.GrainId.Key);
            }

            _timer?.Dispose();
            _timer = null;
            _retries = 0;
        }
    }
}

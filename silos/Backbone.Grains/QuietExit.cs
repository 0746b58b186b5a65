namespace Backbone.Grains;

/// <summary>
/// For grains used around one request (a registration attempt, an ID number's index): they leave memory a few
/// seconds after their last call rather than after Orleans' collection age, so a storm of requests holds
/// only what it created (docs/benchmarks.md: 100,000 registrations). Leaving at once on answering would
/// not do: calls queued behind the first are then forwarded to a new activation each time, Orleans
/// forwards a message at most twice, and racing duplicates failed with UNAVAILABLE.
/// </summary>
public static class QuietExit
{
    public static readonly TimeSpan After = TimeSpan.FromSeconds(5);

    /// <summary>(Re)starts the grain's countdown to leaving; keep the returned timer for the next call.</summary>
    public static IGrainTimer LeaveWhenQuiet(this IGrainBase grain, IGrainTimer? countdown)
    {
        if (countdown is null)
        {
            return grain.RegisterGrainTimer(() =>
            {
                grain.DeactivateOnIdle();
                return Task.CompletedTask;
            }, After, Timeout.InfiniteTimeSpan);
        }

        countdown.Change(After, Timeout.InfiniteTimeSpan);
        return countdown;
    }
}

namespace Backbone.Grains.Abstractions;

/// <summary>
/// A watcher that a grain keeps in its activation's memory only. When that activation leaves (idle
/// collection, shedding under memory pressure, a failed write), the grain tells its watchers so that they
/// watch its next activation at once, rather than missing its changes until their next renewal.
/// </summary>
public interface IWatcher : IGrainObserver
{
    /// <param name="grainKey">The key of the grain whose activation dropped this watcher (one watcher may watch several grains).</param>
    void Dropped(string grainKey);
}

using Backbone.Grains.Abstractions;
using Orleans.Utilities;

namespace Backbone.Grains;

public static class Watchers
{
    /// <summary>For a leaving activation: its watchers hear that they were dropped, and watch its next activation.</summary>
    public static void DropAll<T>(this ObserverManager<T> watchers, string grainKey)
        where T : IWatcher
    {
        watchers.Notify(watcher => watcher.Dropped(grainKey));
        watchers.Clear();
    }
}

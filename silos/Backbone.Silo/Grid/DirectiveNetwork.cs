using System.Diagnostics;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;

namespace Backbone.Silo.Grid;

/// <summary>
/// Wakes every unit's directive inbox once the node has started (they then stay active), so the first
/// directive after a restart finds the network in memory like every later one. Runs in the background:
/// the node serves calls meanwhile, and an inbox a directive reaches first simply wakes then.
/// </summary>
public sealed partial class DirectiveNetwork(IGrainFactory grains, GridSeed grid, ILogger<DirectiveNetwork> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await Parallel.ForEachAsync(grid.Descendants(grid.CityCode), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = stoppingToken },
                async (unit, _) => await grains.GetGrain<IUnitDirectivesGrain>(unit).Wake());
            LogAwake(logger, grid.Count - 1, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotAwake(logger, e); // they wake when a directive reaches them
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Directive inboxes of {Units} units are active ({Milliseconds:F0} ms)")]
    private static partial void LogAwake(ILogger logger, int units, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The directive inboxes could not all be woken at start")]
    private static partial void LogNotAwake(ILogger logger, Exception exception);
}

using System.Diagnostics.Metrics;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Grid;

namespace Backbone.Silo.Metrics;

/// <summary>
/// The city's cases by state, as the gauge <c>backbone.cases</c> (tag <c>state</c>) and
/// <c>backbone.cases.overdue</c>: read from the city unit's statistics grain every 15 seconds (a scrape
/// never waits on a grain), so every node reports the same city-wide figures.
/// </summary>
public sealed partial class CaseCountsGauge : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    private readonly IGrainFactory _grains;
    private readonly string _city;
    private readonly ILogger<CaseCountsGauge> _logger;
    private UnitTotals _latest = UnitTotals.Empty;

    public CaseCountsGauge(IGrainFactory grains, GridSeed grid, IMeterFactory meters, ILogger<CaseCountsGauge> logger)
    {
        (_grains, _city, _logger) = (grains, grid.CityCode, logger);
        var meter = meters.Create(BackboneMeter.Name);
        meter.CreateObservableGauge("backbone.cases", () => Enum.GetValues<CaseState>().Select(state =>
            new Measurement<int>(_latest.ByState.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", state.ToString()))),
            description: "The city's cases in each state.");
        meter.CreateObservableGauge("backbone.cases.overdue", () => _latest.Overdue, description: "The city's cases past their resolve deadline.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            do
            {
                try
                {
                    _latest = (await _grains.GetGrain<IUnitCasesGrain>(_city).Get()).Totals;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogUnread(_logger, e); // the gauge keeps its last figures
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the host is stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The city's case counts could not be read for the metrics")]
    private static partial void LogUnread(ILogger logger, Exception exception);
}

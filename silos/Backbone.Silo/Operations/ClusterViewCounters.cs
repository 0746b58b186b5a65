namespace Backbone.Silo.Operations;

/// <summary>
/// The cluster view's silo counters, collected only while someone looks. Orleans' dashboard reads the silo's
/// Orleans metrics every second from the moment the silo starts, and each reading counts every activation (and
/// the grain directory's cache) one by one: 75 ms of CPU a second on an idle node holding 78,000 citizen grains,
/// a whole core near a million, for a page nobody has open. Here the dashboard's metrics reader runs while the
/// dashboard's grain-call profiler does: the dashboard switches that on in every silo of the cluster when anyone
/// opens the view through any node, and off a minute or two after the last look. A look through this node
/// starts the reader at once, without waiting for that.
/// </summary>
/// <param name="dashboardHost">The dashboard's host, kept out of the silo's lifecycle (see <see cref="ClusterDashboard.AddClusterDashboard"/>).</param>
/// <param name="profilerOn">Whether the dashboard's grain-call profiler is on in this silo.</param>
public sealed partial class ClusterViewCounters(
    ILifecycleParticipant<ISiloLifecycle> dashboardHost, Func<bool> profilerOn, TimeProvider clock, ILogger<ClusterViewCounters> logger) : BackgroundService
{
    /// <summary>How long a look through this node keeps the counters on before the profiler's switch has arrived.</summary>
    private static readonly TimeSpan LookGrace = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _collecting;
    private long _lastLook;

    /// <summary>Whether the counters are being collected now.</summary>
    public bool Collecting => _collecting;

    /// <summary>A request to the cluster view through this node: the counters start now if they were off.</summary>
    public ValueTask LookedAtAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastLook, clock.GetTimestamp());
        return _collecting ? ValueTask.CompletedTask : new ValueTask(Collect(true, cancellationToken));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var on = profilerOn();
                    if (on != _collecting)
                    {
                        await Collect(on, stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSwitchFailed(logger, e); // a page's counters are not worth the node: tried again next second
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Starts or stops the reader; it stays on within <see cref="LookGrace"/> of a look through this node.</summary>
    private async Task Collect(bool on, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (on == _collecting || (!on && clock.GetElapsedTime(Volatile.Read(ref _lastLook)) < LookGrace))
            {
                return;
            }

            if (on)
            {
                // The host starts its metrics reader at a stage of the silo's lifecycle, which has long passed: it
                // joins a lifecycle of its own that is started now.
                var late = new RunningSilo();
                dashboardHost.Participate(late);
                await late.StartAsync(cancellationToken);
                LogStarted(logger);
            }
            else
            {
                // Disposing the host ends the metrics reader it made; the host has nothing else to stop, and the
                // next start makes a new reader. (The container disposes it again at shutdown, ending the latest.)
                await ((IAsyncDisposable)dashboardHost).DisposeAsync();
                LogStopped(logger);
            }

            _collecting = on;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The lifecycle of a silo that is already running, for a participant that joins late: what it subscribes to
    /// starts when asked, stage by stage.
    /// </summary>
    private sealed class RunningSilo : ISiloLifecycle
    {
        private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

        public int HighestCompletedStage => ServiceLifecycleStage.Active;

        public int LowestStoppedStage => int.MaxValue;

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add((stage, observer));
            return new CancellationTokenRegistration(); // nothing to undo: this lifecycle never stops
        }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var (_, observer) in _observers.OrderBy(o => o.Stage))
            {
                await observer.OnStart(cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster view in use: this silo's counters are read every second")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster view no longer in use: this silo's counters stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Switching the cluster view's silo counters failed")]
    private static partial void LogSwitchFailed(ILogger logger, Exception exception);
}

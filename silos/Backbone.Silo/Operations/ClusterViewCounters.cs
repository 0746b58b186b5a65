namespace Backbone.Silo.Operations;

/// <summary>
/// The cluster view's silo counters, collected only while someone looks. Orleans' dashboard reads the silo's
/// Orleans metrics every second from the moment the silo starts, and each reading counts every activation (and
/// the grain directory's cache) one by one: 75 ms of CPU a second on an idle node holding 78,000 citizen grains,
/// a whole core near a million, for a page nobody has open. Here the dashboard's metrics reader starts on a
/// request to the cluster view and stops after <see cref="IdleAfter"/> without one.
/// </summary>
/// <param name="dashboardHost">The dashboard's host, kept out of the silo's lifecycle (see <see cref="ClusterDashboard.AddClusterDashboard"/>).</param>
public sealed partial class ClusterViewCounters(
    ILifecycleParticipant<ISiloLifecycle> dashboardHost, TimeSpan idleAfter, TimeProvider clock, ILogger<ClusterViewCounters> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _collecting;
    private long _lastLook;

    public TimeSpan IdleAfter => idleAfter;

    /// <summary>Whether the counters are being collected now.</summary>
    public bool Collecting => _collecting;

    /// <summary>A request to the cluster view: counters start if they were off, and run on for <see cref="IdleAfter"/>.</summary>
    public async ValueTask LookedAtAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lastLook, clock.GetTimestamp());
        if (_collecting)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_collecting)
            {
                // The host starts its metrics reader at a stage of the silo's lifecycle, which has long passed: it joins a
                // lifecycle of its own that is started now.
                var late = new RunningSilo();
                dashboardHost.Participate(late);
                await late.StartAsync(cancellationToken);
                _collecting = true;
                LogStarted(logger);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(idleAfter.Ticks / 4, TimeSpan.TicksPerSecond)), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (_collecting && await StopWhenIdleAsync(stoppingToken))
                {
                    LogStopped(logger, idleAfter);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>Whether it stopped the counters.</returns>
    private async Task<bool> StopWhenIdleAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_collecting || clock.GetElapsedTime(Volatile.Read(ref _lastLook)) < idleAfter)
            {
                return false;
            }

            // Disposing the host ends the metrics reader it made; the host itself has nothing else to stop, and the next
            // look makes a new reader. (The container disposes it again at shutdown, which ends the latest reader.)
            await ((IAsyncDisposable)dashboardHost).DisposeAsync();
            _collecting = false;
            return true;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster view opened: its silo counters are collected every second while it is in use")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster view unused for {IdleAfter}: its silo counters stopped")]
    private static partial void LogStopped(ILogger logger, TimeSpan idleAfter);
}

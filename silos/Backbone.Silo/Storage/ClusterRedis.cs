using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Backbone.Silo.Storage;

/// <summary>
/// The Redis that a cluster shares: membership, grain state and reminders. Each Orleans provider opens
/// its own connection from <see cref="NewOptions"/>; this class keeps one more for health probes and the
/// start-up check of Redis' persistence settings.
/// </summary>
public sealed partial class ClusterRedis(string connectionString, ILogger<ClusterRedis> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _probe;

    /// <summary>
    /// Options for one connection. Commands fail fast while Redis is unreachable (no backlog that would hold
    /// a caller for seconds), and the connection comes back by itself when Redis does.
    /// </summary>
    public static ConfigurationOptions NewOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "backbone";
        return options;
    }

    /// <summary>Connects once at start, so a wrong address or password stops the host with a clear message.</summary>
    public async Task StartAsync()
    {
        var connection = await ProbeConnectionAsync();
        if (!connection.IsConnected)
        {
            throw new InvalidOperationException(
                $"Redis at {string.Join(", ", connection.GetEndPoints().Select(e => e.ToString()))} (ConnectionStrings:Redis) does not answer.");
        }

        await WarnUnlessDurableAsync(connection);
    }

    public async Task PingAsync() => await (await ProbeConnectionAsync()).GetDatabase().PingAsync();

    private async Task<ConnectionMultiplexer> ProbeConnectionAsync()
    {
        if (_probe is { } ready)
        {
            return ready;
        }

        await _connecting.WaitAsync();
        try
        {
            return _probe ??= await ConnectionMultiplexer.ConnectAsync(NewOptions(connectionString));
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>An OK answer is only as durable as Redis' own persistence (docs/durability.md): say so when it is weaker.</summary>
    private async Task WarnUnlessDurableAsync(ConnectionMultiplexer connection)
    {
        try
        {
            // As a plain command, so the connection needs no admin mode.
            var pairs = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("CONFIG", "GET", "append*"))!;
            var settings = Enumerable.Range(0, pairs.Length / 2)
                .ToDictionary(i => (string)pairs[2 * i]!, i => (string)pairs[(2 * i) + 1]!, StringComparer.Ordinal);
            var appendOnly = settings.GetValueOrDefault("appendonly", "?");
            var fsync = settings.GetValueOrDefault("appendfsync", "?");
            if (appendOnly != "yes" || fsync != "always")
            {
                LogWeakPersistence(appendOnly, fsync);
            }
        }
        catch (Exception e) when (e is RedisException or RedisCommandException)
        {
            LogPersistenceUnknown(e.Message); // managed Redis often disables CONFIG
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_probe is { } probe)
        {
            await probe.DisposeAsync();
        }

        _connecting.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Redis runs with appendonly={AppendOnly}, appendfsync={Fsync}: writes answered OK can be lost if Redis dies. Use appendonly yes and appendfsync always (docs/durability.md).")]
    private partial void LogWeakPersistence(string appendOnly, string fsync);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "Could not read Redis' persistence settings ({Reason}); make sure it runs with appendonly yes and appendfsync always (docs/durability.md).")]
    private partial void LogPersistenceUnknown(string reason);
}

/// <summary>
/// Degraded, not unready, while the cluster's Redis does not answer a PING: Redis is shared, so every node
/// is in the same state, and taking them all out of the load balancer would also refuse the reads that
/// activated grains still serve from memory. Writes meanwhile fail fast with UNAVAILABLE.
/// </summary>
public sealed class RedisStorageHealthCheck(ClusterRedis redis, TimeProvider clock) : StorageHealthCheck(clock)
{
    protected override string StoreName => "cluster's Redis";

    protected override HealthStatus WhenUnreachable => HealthStatus.Degraded;

    protected override Task ProbeAsync(CancellationToken cancellationToken) => redis.PingAsync();
}

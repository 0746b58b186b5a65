namespace Backbone.Silo.Hosting;

/// <summary>
/// Learns when the cluster declares a node dead. A dead node's activations left without telling their
/// watchers (<c>IWatcher.Dropped</c> is called only by an activation that leaves in good order), so the
/// watch streams of this node subscribe again at once and catch up, instead of at their next renewal.
/// </summary>
public sealed class NodeDeaths(IClusterMembershipService membership, ILogger<NodeDeaths> logger) : BackgroundService
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the cluster next declares a node dead (never on a node alone).</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<SiloAddress>? dead = null; // null until the first snapshot: nodes dead before this one started are old news
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var now = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToHashSet();
                if (dead is not null && now.Except(dead).ToList() is { Count: > 0 } newly)
                {
                    logger.LogInformation("The cluster declared {Nodes} dead; this node's watch streams subscribe again", string.Join(", ", newly));
                    Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }

                dead = now;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

using System.Net;
using Backbone.Silo.Hosting;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Backbone.Silo.Storage;

/// <summary>
/// Where silos find each other and where grain state and reminders live, chosen by configuration only
/// (<c>Backbone:Cluster:Provider</c>); grains and services never ask which one it is.
/// </summary>
public static class ClusterStorageExtensions
{
    public static ISiloBuilder AddBackboneCluster(this ISiloBuilder silo, BackboneOptions options, IConfiguration configuration)
    {
        // Failure detection and call timeouts, for operators who tune them (Orleans' own option names).
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        silo.Configure<SiloMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
        // Under memory pressure (a registration storm in a memory-limited container) idle activations are
        // shed: their state is stored, so the next call reactivates them. Without it a node under a GC heap
        // limit of 800 MiB died of OutOfMemoryException 77,000 registrations into a storm (docs/benchmarks.md).
        silo.Configure<GrainCollectionOptions>(collection => collection.EnableActivationSheddingOnMemoryPressure = true);
        silo.Configure<GrainCollectionOptions>(configuration.GetSection("Orleans:GrainCollection"));
        // Where recently called grains live is cached, one entry (about 230 bytes) per grain ever called, also
        // after it left; Orleans' default of a million entries would take a quarter of a 1 GiB node. A miss costs
        // one directory lookup (in memory here, one hop in a cluster). ("Orleans:GrainDirectory" is taken by
        // Orleans for its directory providers.)
        silo.Configure<GrainDirectoryOptions>(directory => directory.CacheSize = 100_000);
        silo.Configure<GrainDirectoryOptions>(configuration.GetSection("Orleans:DirectoryCache"));

        var cluster = options.Cluster;
        switch (cluster.Provider)
        {
            case ClusterProviders.Redis:
                silo.AddRedisCluster(options);
                break;
            default:
                silo.UseLocalhostClustering(options.Ports.Silo, options.Ports.OrleansGateway, null, cluster.ServiceId, cluster.ClusterId);
                silo.AddEmbeddedStorage();
                break;
        }

        if (cluster.Kubernetes)
        {
            silo.UseKubernetesHosting(); // pod name, IP and cluster ids from the pod's environment (deploy/kubernetes)
        }

        return silo;
    }

    /// <summary>Membership, the default grain storage and the reminder table on one Redis.</summary>
    private static void AddRedisCluster(this ISiloBuilder silo, BackboneOptions options)
    {
        var cluster = options.Cluster;
        silo.Services.AddSingleton(services => new ClusterRedis(cluster.RedisConnectionString, services.GetRequiredService<ILogger<ClusterRedis>>()));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, RedisStartupCheck>();
        silo.Services.AddSingleton<StorageHealthCheck, RedisStorageHealthCheck>();

        silo.Configure<ClusterOptions>(ids =>
        {
            ids.ServiceId = cluster.ServiceId;
            ids.ClusterId = cluster.ClusterId;
        });
        var listensOnAll = options.ListenIPAddress.Equals(IPAddress.Any) || options.ListenIPAddress.Equals(IPAddress.IPv6Any);
        var advertised = cluster.AdvertisedAddress.Length > 0 ? IPAddress.Parse(cluster.AdvertisedAddress) : options.ListenIPAddress;
        silo.ConfigureEndpoints(advertised, options.Ports.Silo, options.Ports.OrleansGateway, listenOnAnyHostAddress: listensOnAll);

        ConfigurationOptions Connection() => ClusterRedis.NewOptions(cluster.RedisConnectionString);
        silo.UseRedisClustering(membership => membership.ConfigurationOptions = Connection());
        silo.AddRedisGrainStorageAsDefault(storage => storage.Configure<Serializer>((state, serializer) =>
        {
            state.ConfigurationOptions = Connection();
            // The same binary, version-tolerant format as the embedded store ([Id] on every member).
            state.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseRedisReminderService(reminders => reminders.ConfigurationOptions = Connection());
    }

    /// <summary>Connects to Redis first thing in the silo's start, so a wrong address stops the host with a clear message.</summary>
    private sealed class RedisStartupCheck(ClusterRedis redis) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(RedisStartupCheck), ServiceLifecycleStage.First, _ => redis.StartAsync());
    }
}

using System.Security.Cryptography;
using Backbone.Identity.Hosting;
using Backbone.V1;
using Microsoft.AspNetCore.Builder;

namespace Backbone.Tests.Support;

/// <summary>
/// A cluster as docs/deploy.md runs it, on this machine: a real <c>redis-server</c>, the stand-alone
/// identity host (in this process) and N backbone nodes, each the real host binary in its own process,
/// on Redis clustering, grain storage and reminders.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly WebApplication _identityHost;
    private readonly string _identityDirectory;

    private LocalCluster(RedisServer redis, List<HostProcess> nodes, WebApplication identityHost, string identityDirectory, Uri authority)
    {
        Redis = redis;
        Nodes = nodes;
        _identityHost = identityHost;
        _identityDirectory = identityDirectory;
        Identity = new IdentityClient(authority);
    }

    public RedisServer Redis { get; }

    public IReadOnlyList<HostProcess> Nodes { get; }

    public IdentityClient Identity { get; }

    public static async Task<LocalCluster> StartAsync(int nodeCount = 3)
    {
        var redis = await RedisServer.StartAsync();
        var identityPort = FreePorts.Take(1)[0];
        var authority = new Uri($"http://127.0.0.1:{identityPort}/");
        var idNumberHashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)); // one for the whole cluster
        var settings = Enumerable.Range(0, nodeCount).Select(_ => NodeSettings.Fresh() with
        {
            Authority = authority.ToString(),
            ExtraArgs =
            [
                "--Backbone:Cluster:Provider=Redis",
                $"--ConnectionStrings:Redis={redis.ConnectionString}",
                $"--Backbone:Privacy:IdNumberHashKey={idNumberHashKey}",
                // A dead node is declared dead after two missed one-second probes, not the production 15 s.
                "--Orleans:Membership:ProbeTimeout=00:00:01",
                "--Orleans:Membership:NumMissedProbesLimit=2",
                "--Orleans:Membership:TableRefreshTimeout=00:00:02",
            ],
        }).ToList();
        var nodes = new List<HostProcess>();
        var identityDirectory = Path.Combine(Path.GetTempPath(), "backbone-tests", Guid.NewGuid().ToString("N"));
        WebApplication? identityHost = null;
        try
        {
            // The first node alone, so it creates the membership table; the others join it together.
            nodes.Add(await HostProcess.StartAsync(settings[0]));
            nodes.AddRange(await Task.WhenAll(settings.Skip(1).Select(HostProcess.StartAsync)));

            // The identity host registers its seeded citizens in the backbone (through the first node) as it starts.
            identityHost = IdentityHost.Create(TestIdentity.StandAloneHostArgs(identityDirectory, identityPort, settings[0].GrpcPort));
            await identityHost.StartAsync();
        }
        catch
        {
            // Nothing of a cluster that failed to start may outlive the test (node processes and Redis included).
            nodes.ForEach(n => n.Dispose());
            if (identityHost is not null)
            {
                await identityHost.DisposeAsync();
            }

            await redis.DisposeAsync();
            throw;
        }

        var cluster = new LocalCluster(redis, nodes, identityHost!, identityDirectory, authority);
        await cluster.WaitUntilIdentityReadyAsync();
        return cluster;
    }

    /// <summary>The identity host is ready once it has registered its seeded citizens in the backbone.</summary>
    private async Task WaitUntilIdentityReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Identity.Provider };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await http.GetAsync("readyz")).IsSuccessStatusCode)
        {
            Assert.True(DateTime.UtcNow < deadline, "The identity host was not ready within 30 seconds.");
            await Task.Delay(100);
        }
    }

    public HostProcess this[int index] => Nodes[index];

    /// <summary>Citizen RPCs through one node, as the seeded partner app.</summary>
    public async Task<CitizenService.CitizenServiceClient> CitizensThroughAsync(int node) =>
        new(Nodes[node].Channel.WithToken(await Identity.PartnerTokenAsync()));

    /// <summary>The seeded citizen's token from the mini-program (scopes cases.submit, certificates.read), good on every node.</summary>
    public Task<string> CitizenTokenAsync() => Identity.CitizenTokenAsync("openid cases.submit certificates.read");

    /// <summary>A seeded staff member's token from the staff console (scope cases.handle).</summary>
    public Task<string> StaffTokenAsync(string mobile) => Identity.StaffTokenAsync(mobile, "openid cases.handle");

    public CaseService.CaseServiceClient Cases(int node, string token) => new(Nodes[node].Channel.WithToken(token));

    public async ValueTask DisposeAsync()
    {
        Identity.Dispose();
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        await _identityHost.StopAsync();
        await _identityHost.DisposeAsync();
        await Redis.DisposeAsync();
        try
        {
            Directory.Delete(_identityDirectory, recursive: true);
        }
        catch (IOException)
        {
            // left for the run's temporary directory to take away
        }
    }
}

using System.Globalization;
using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Tests.Hosting;

[Collection(SharedNodeCollection.Name)]
public sealed class MetricsTests(BackboneFixture fixture)
{
    private const string Count = "backbone_rpc_server_duration_seconds_count{";

    [Fact]
    public async Task Prometheus_scrapes_every_RPC_with_its_method_and_status_refusals_included()
    {
        var node = fixture.Node;
        var circle = new ServiceCircleService.ServiceCircleServiceClient(node.Channel.WithToken(await node.Identity.PartnerTokenAsync()));
        var anonymous = new ServiceCircleService.ServiceCircleServiceClient(node.Channel);
        for (var i = 0; i < 3; i++)
        {
            await circle.GetFacilityAsync(new GetFacilityRequest { FacilityId = "market-0001" });
        }

        await RpcAssert.Fails(StatusCode.NotFound, () => circle.GetFacilityAsync(new GetFacilityRequest { FacilityId = "no-such-facility" }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.Unauthenticated, () => anonymous.GetFacilityAsync(new GetFacilityRequest { FacilityId = "market-0001" }).ResponseAsync);
        using var http = new HttpClient { BaseAddress = node.Identity.Provider };

        var scraped = await Eventually.Get(async () =>
        {
            var text = await http.GetStringAsync("metrics");
            return Counted(text, "GetFacility", "OK") >= 3 && Counted(text, "GetFacility", "Unauthenticated") >= 1 ? text : null;
        }, "The calls never showed in /metrics.");

        Assert.True(Counted(scraped, "GetFacility", "NotFound") >= 1);
        Assert.Contains("rpc_service=\"backbone.v1.ServiceCircleService\"", scraped);
        Assert.Contains("# TYPE backbone_rpc_server_duration_seconds histogram", scraped);
        Assert.Contains("orleans_catalog_activations", scraped); // grain activations, from Orleans' own meter
        Assert.Contains(scraped.Split('\n'), line => line.StartsWith("backbone_cases{", StringComparison.Ordinal) && line.Contains("state=\"Dispatched\"", StringComparison.Ordinal)); // the city's cases by state

        // Durations fall into buckets of milliseconds, not of 5, 10, 25 … seconds (where every call landed before).
        Assert.True(Bucket(scraped, "GetFacility", "OK", "0.005") is not null, "no 5 ms bucket");
        Assert.True(Bucket(scraped, "GetFacility", "OK", "1") >= 3, "three reads did not answer within a second");

        // The embedded store's group commits: how many writes each, and how long.
        Assert.Contains(scraped.Split('\n'), line => line.StartsWith("backbone_store_commit_writes_count", StringComparison.Ordinal) && !line.EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains("backbone_store_commit_duration_seconds_bucket{otel_scope_name=\"Backbone\",le=\"0.001\"}", scraped);
    }

    [Fact]
    public async Task A_node_counts_its_own_calls_only_also_beside_another_node_of_the_process_that_stops()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh());
        var other = await BackboneNode.StartAsync(NodeSettings.Fresh());
        static async Task Read(BackboneNode on, int times)
        {
            var circle = new ServiceCircleService.ServiceCircleServiceClient(on.Channel.WithToken(await on.Identity.PartnerTokenAsync()));
            for (var i = 0; i < times; i++)
            {
                await circle.GetFacilityAsync(new GetFacilityRequest { FacilityId = "market-0001" });
            }
        }

        await Read(node, 3);
        await Read(other, 2);
        await other.DisposeAsync();
        await Read(node, 1);
        using var http = new HttpClient { BaseAddress = node.Identity.Provider };
        var scraped = await Eventually.Get(async () =>
        {
            var text = await http.GetStringAsync("metrics");
            return Counted(text, "GetFacility", "OK") > 0 ? text : null;
        }, "The node's calls never showed in its /metrics.");

        Assert.Equal(4, Counted(scraped, "GetFacility", "OK"));
    }

    /// <summary>The cumulative count of one method and status's duration bucket <paramref name="le"/>; null when there is no such bucket.</summary>
    private static long? Bucket(string scrape, string method, string status, string le) =>
        Sum(scrape, "backbone_rpc_server_duration_seconds_bucket{", method, status, $"le=\"{le}\"");

    /// <summary>The request count of one method and status in a Prometheus text scrape.</summary>
    private static long Counted(string scrape, string method, string status) => Sum(scrape, Count, method, status) ?? 0;

    /// <summary>The values of a series' lines of one method and status (and <paramref name="label"/>) added up; null when there are none.</summary>
    private static long? Sum(string scrape, string series, string method, string status, string label = "")
    {
        var values = scrape.Split('\n')
            .Where(line => line.StartsWith(series, StringComparison.Ordinal)
                && line.Contains($"rpc_method=\"{method}\"", StringComparison.Ordinal)
                && line.Contains($"rpc_grpc_status_code=\"{status}\"", StringComparison.Ordinal)
                && line.Contains(label, StringComparison.Ordinal))
            .Select(line => long.Parse(line[(line.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture))
            .ToList();
        return values.Count == 0 ? null : values.Sum();
    }
}

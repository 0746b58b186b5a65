using System.Net.Http.Json;
using System.Text.Json;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;

namespace Backbone.Tests.Gateway;

public sealed class PeakModeTests
{
    [Fact]
    public async Task Peak_mode_switched_on_a_running_node_refuses_deferrable_calls_while_essential_ones_succeed()
    {
        var runtime = Path.Combine(Path.GetTempPath(), $"backbone-runtime-{Guid.NewGuid():N}.json");
        await WritePeakMode(runtime, on: false);
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with { ExtraArgs = [$"--Backbone:RuntimeSettingsFile={runtime}"] });
        var token = await node.Identity.CitizenTokenAsync("openid cases.submit");
        var citizen = new CaseService.CaseServiceClient(node.Channel.WithToken(token));
        using var web = new HttpClient { BaseAddress = node.Identity.Provider };
        web.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        await citizen.ListMyCasesAsync(new ListMyCasesRequest());

        await WritePeakMode(runtime, on: true); // ops flip the switch; no restart
        var refused = await Eventually.Get(async () =>
        {
            try
            {
                await citizen.ListMyCasesAsync(new ListMyCasesRequest());
                return null;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return e;
            }
        });
        var submitted = await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = "高峰期也要能提交",
            Location = new LatLng { Latitude = 30.59, Longitude = 104.063 },
        });
        var read = await citizen.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });
        var state = await web.GetFromJsonAsync<JsonElement>("/peakz");
        using var fromPage = new HttpRequestMessage(HttpMethod.Get, "/v1/cases:mine") { Headers = { { "Origin", NodeSettings.AllowedOrigin } } };
        using var overJson = await web.SendAsync(fromPage); // the mini-program's way: refused once routed, before transcoding
        var jsonStatus = await overJson.Content.ReadFromJsonAsync<JsonElement>();
        using var webChannel = Grpc.Net.Client.GrpcChannel.ForAddress(node.Identity.Provider, new Grpc.Net.Client.GrpcChannelOptions
        {
            HttpHandler = new Grpc.Net.Client.Web.GrpcWebHandler(Grpc.Net.Client.Web.GrpcWebMode.GrpcWebText, new HttpClientHandler()),
            HttpVersion = System.Net.HttpVersion.Version11,
        });
        var overGrpcWeb = await RpcAssert.Fails(StatusCode.Unavailable, // a page's way
            () => new CaseService.CaseServiceClient(webChannel.WithToken(token)).ListMyCasesAsync(new ListMyCasesRequest()).ResponseAsync);
        var metrics = await web.GetStringAsync("/metrics");

        await WritePeakMode(runtime, on: false);
        var served = await Eventually.Get(async () =>
        {
            try
            {
                return await citizen.ListMyCasesAsync(new ListMyCasesRequest());
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return null;
            }
        });

        // Over native gRPC the refusal is answered before the pipeline; it is the same answer and is counted.
        Assert.Equal(TimeSpan.FromSeconds(5), refused.GetRpcStatus()!.GetDetail<RetryInfo>()!.RetryDelay.ToTimeSpan());
        Assert.Contains("ListMyCases can wait", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("-1", refused.Trailers.GetValue("grpc-retry-pushback-ms")); // clients' automatic retries stop
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("backbone_rpc_server_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("rpc_method=\"ListMyCases\"", StringComparison.Ordinal) && line.Contains("rpc_grpc_status_code=\"Unavailable\"", StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, overJson.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), overJson.Headers.RetryAfter?.Delta); // what HTTP clients and proxies read
        Assert.Contains("retry-after", overJson.Headers.GetValues("Access-Control-Expose-Headers").Single().Split(','), StringComparer.OrdinalIgnoreCase); // and pages' scripts may
        Assert.Equal((int)StatusCode.Unavailable, jsonStatus.GetProperty("code").GetInt32());
        Assert.Equal("type.googleapis.com/google.rpc.RetryInfo", jsonStatus.GetProperty("details")[0].GetProperty("@type").GetString());
        Assert.Equal(TimeSpan.FromSeconds(5), overGrpcWeb.GetRpcStatus()!.GetDetail<RetryInfo>()!.RetryDelay.ToTimeSpan());
        Assert.Equal(submitted.CaseId, read.CaseId);
        Assert.True(state.GetProperty("peakMode").GetBoolean());
        Assert.Contains(served.Cases, c => c.CaseId == submitted.CaseId);
    }

    [Fact]
    public async Task Peak_mode_turns_itself_on_when_too_many_calls_are_in_flight_and_off_once_they_have_passed()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with
        {
            ExtraArgs = ["--Backbone:Gateway:PeakMode:AutoAboveConcurrentCalls=3", "--Backbone:Gateway:PeakMode:AutoHoldFor=00:00:03"],
        });
        var partner = new ServiceCircleService.ServiceCircleServiceClient(node.Channel.WithToken(await node.Identity.PartnerTokenAsync()));
        using var web = new HttpClient { BaseAddress = node.Identity.Provider };
        var before = await web.GetFromJsonAsync<JsonElement>("/peakz");

        // A burst of whole-city coverage analyses (deferrable, each some milliseconds of work).
        var burst = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            try
            {
                await partner.AnalyzeCoverageAsync(new AnalyzeCoverageRequest { UnitCode = "5101" });
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));
        var during = await web.GetFromJsonAsync<JsonElement>("/peakz");
        var essential = await partner.GetFacilityAsync(new GetFacilityRequest { FacilityId = "clinic-0001" });
        var after = await Eventually.Get(async () =>
        {
            var state = await web.GetFromJsonAsync<JsonElement>("/peakz");
            return state.GetProperty("peakMode").GetBoolean() ? null : (object)state;
        }, "Peak mode never turned itself off.");

        Assert.False(before.GetProperty("peakMode").GetBoolean());
        Assert.Contains(StatusCode.OK, burst); // the first ones in were served ...
        Assert.Contains(StatusCode.Unavailable, burst); // ... those beyond the threshold were refused
        Assert.True(during.GetProperty("peakMode").GetBoolean()); // and it holds on for a while
        Assert.Equal("clinic-0001", essential.FacilityId);
        Assert.NotNull(after);
    }

    private static Task WritePeakMode(string path, bool on) =>
        File.WriteAllTextAsync(path, $$"""{ "Backbone": { "Gateway": { "PeakMode": { "Enabled": {{(on ? "true" : "false")}} } } } }""");
}

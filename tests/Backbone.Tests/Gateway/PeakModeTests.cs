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
        var citizen = await node.CasesAsCitizenAsync();
        using var web = new HttpClient { BaseAddress = node.Identity.Provider };
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

        Assert.NotNull(refused.GetRpcStatus()!.GetDetail<RetryInfo>());
        Assert.Equal(submitted.CaseId, read.CaseId);
        Assert.True(state.GetProperty("peakMode").GetBoolean());
        Assert.Contains(served.Cases, c => c.CaseId == submitted.CaseId);
    }

    private static Task WritePeakMode(string path, bool on) =>
        File.WriteAllTextAsync(path, $$"""{ "Backbone": { "Gateway": { "PeakMode": { "Enabled": {{(on ? "true" : "false")}} } } } }""");
}

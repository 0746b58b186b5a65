using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Tests.Hosting;

public sealed class ShutdownTests
{
    [Fact]
    public async Task A_node_that_shuts_down_ends_its_watches_with_UNAVAILABLE_and_says_where_to_resume()
    {
        await using var node = await BackboneNode.StartAsync();
        var citizen = await node.CasesAsCitizenAsync();
        var submitted = await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = "夜间施工噪音 Night-time construction noise",
            Location = new LatLng { Latitude = 30.59, Longitude = 104.063 },
        });
        using var watch = citizen.WatchCase(new WatchCaseRequest { CaseId = submitted.CaseId }, deadline: DateTime.UtcNow.AddMinutes(2));
        Assert.True(await watch.ResponseStream.MoveNext());

        var stopping = node.StopAsync(); // what SIGTERM does
        var ended = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext());
        await stopping;

        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("from_etag", ended.Status.Detail);
    }
}

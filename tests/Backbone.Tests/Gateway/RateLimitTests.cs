using System.Net;
using System.Net.Http.Headers;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;

namespace Backbone.Tests.Gateway;

public sealed class RateLimitTests
{
    [Fact]
    public async Task A_flooding_caller_is_slowed_while_another_is_served()
    {
        await using var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with { ExtraArgs = ["--Backbone:Gateway:RateLimits:CitizenService=5"] });
        var registered = await node.Citizens.RegisterCitizenAsync(TestData.Registration());
        var citizenToken = await node.Identity.CitizenTokenAsync("openid citizen.profile");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            try
            {
                await node.Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });
                return (StatusCode.OK, (RpcException?)null);
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e);
            }
        }));
        var other = await node.CitizensAs(citizenToken).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });
        using var http = new HttpClient { BaseAddress = node.Identity.Provider };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", citizenToken);
        var json = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => http.GetAsync("/v1/citizens/me")));

        var refused = outcomes.Where(o => o.Item1 == StatusCode.ResourceExhausted).ToList();
        Assert.InRange(outcomes.Count(o => o.Item1 == StatusCode.OK), 9, 30); // the burst of 10 less the registration, and what refilled meanwhile
        Assert.NotEmpty(refused);
        Assert.Equal(40, outcomes.Count(o => o.Item1 is StatusCode.OK or StatusCode.ResourceExhausted));
        Assert.NotNull(refused[0].Item2!.GetRpcStatus()!.GetDetail<RetryInfo>());
        Assert.Equal("测试市民", other.Name);
        Assert.Contains(json, r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.All(json.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests), r => Assert.Equal(TimeSpan.FromSeconds(1), r.Headers.RetryAfter?.Delta));
        Assert.Contains(json, r => r.StatusCode == HttpStatusCode.OK);
    }
}

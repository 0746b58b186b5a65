using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Backbone.Silo.Operations;
using Backbone.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Backbone.Tests.Operations;

/// <summary>
/// The cluster view (Orleans Dashboard at /dashboard/): a city administrator's access token buys a cookie
/// for it; nobody else gets one, nothing under /dashboard answers without it, and grain state (personal
/// data) is not served even to the administrator.
/// </summary>
[Collection(SharedNodeCollection.Name)]
public sealed class ClusterDashboardTests(BackboneFixture fixture)
{
    [Fact]
    public async Task Only_a_city_administrator_opens_the_cluster_view_and_it_never_shows_grain_state()
    {
        var node = fixture.Node;
        var web = new Uri($"http://127.0.0.1:{node.Settings.WebPort}/");
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = web };
        var page = await anonymous.GetAsync("dashboard/");
        var data = await anonymous.GetAsync("dashboard/DashboardCounters");
        var noToken = await anonymous.PostAsync("ops/dashboard-session", null);
        var districtHead = await SessionAsync(web, TestIdentity.DistrictHandlerMobile);
        using var districtHeadClient = districtHead.Client;
        var cityAdmin = await SessionAsync(web, TestIdentity.CityAdminMobile);
        using var cityAdminClient = cityAdmin.Client;

        Assert.Equal((HttpStatusCode.Redirect, "/ops/"), (page.StatusCode, page.Headers.Location?.OriginalString));
        Assert.Equal(HttpStatusCode.Unauthorized, data.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, districtHead.Opened.StatusCode);
        Assert.False(districtHead.Opened.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await districtHead.Client.GetAsync("dashboard/DashboardCounters")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, cityAdmin.Opened.StatusCode);
        var cookie = Assert.Single(cityAdmin.Opened.Headers.GetValues("Set-Cookie"));
        Assert.Contains("path=/dashboard", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var html = await cityAdmin.Client.GetStringAsync("dashboard/");
        var silo = Assert.Single(await HostsAsync(cityAdmin.Client));
        var grainTypes = await cityAdmin.Client.GetStringAsync("dashboard/GrainTypes");
        var state = await cityAdmin.Client.GetAsync("dashboard/GrainState?grainId=me&grainType=Backbone.Grains.Citizens.CitizenGrain");

        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Active", silo.Status);
        Assert.Contains("Backbone.Grains.Cases.CaseGrain", grainTypes);
        Assert.Equal(HttpStatusCode.Forbidden, state.StatusCode);
        Assert.Contains("personal data", await state.Content.ReadAsStringAsync());
    }

    /// <summary>The cluster's silos as the view's overview shows them.</summary>
    internal static async Task<List<(string Address, string Status)>> HostsAsync(HttpClient client)
    {
        using var overview = JsonDocument.Parse(await client.GetStringAsync("dashboard/DashboardCounters"));
        return [.. overview.RootElement.GetProperty("hosts").EnumerateArray().Select(h => (h.GetProperty("siloAddress").GetString()!, h.GetProperty("status").GetString()!))];
    }

    private Task<(HttpResponseMessage Opened, HttpClient Client)> SessionAsync(Uri web, string mobile) => SessionAsync(fixture.Node, web, mobile);

    /// <summary>Posts the staff member's access token for a dashboard session; the client keeps what cookie it got.</summary>
    internal static async Task<(HttpResponseMessage Opened, HttpClient Client)> SessionAsync(BackboneNode node, Uri web, string mobile)
    {
        var token = await node.Identity.StaffTokenAsync(mobile, "openid grid.read");
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = web };
        using var request = new HttpRequestMessage(HttpMethod.Post, "ops/dashboard-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.SendAsync(request), client);
    }
}

/// <summary>
/// The cluster view's silo counters (Orleans' dashboard reads them every second, counting every activation) are
/// read only while the view is in use. Its own node, in parallel with the rest: switching off takes the dashboard
/// one to two minutes after the last look.
/// </summary>
public sealed class ClusterViewCountersTests
{
    [Fact]
    public async Task The_silo_counters_are_read_while_the_cluster_view_is_in_use_and_stop_when_nobody_looks()
    {
        await using var node = await BackboneNode.StartAsync();
        var web = new Uri($"http://127.0.0.1:{node.Settings.WebPort}/");
        var counters = node.Services.GetRequiredService<ClusterViewCounters>();
        await Task.Delay(TimeSpan.FromSeconds(2)); // a node's first second or two: nothing starts them without a look
        var idleAtStart = !counters.Collecting;

        var cityAdmin = await ClusterDashboardTests.SessionAsync(node, web, TestIdentity.CityAdminMobile);
        using var client = cityAdmin.Client;
        var silo = Assert.Single(await ClusterDashboardTests.HostsAsync(client)).Address;
        // The page asks about once a second; the silo's counters arrive within a second or two of the first look.
        var reported = await Eventually.Get(async () =>
        {
            using var siloCounters = JsonDocument.Parse(await client.GetStringAsync($"dashboard/SiloCounters/{silo}"));
            var names = siloCounters.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
            return names.Count > 0 ? names : null;
        }, "The silo's counters never reached the cluster view.");
        var collectingWhileLooked = counters.Collecting;

        using var nobodyLooks = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (counters.Collecting && !nobodyLooks.IsCancellationRequested)
        {
            await Task.Delay(500);
        }

        var stopped = !counters.Collecting;
        using var again = await client.GetAsync("dashboard/DashboardCounters");

        Assert.True(idleAtStart, "The counters were read before anyone opened the cluster view.");
        Assert.Contains(reported, name => name.Contains("activation", StringComparison.OrdinalIgnoreCase));
        Assert.True(collectingWhileLooked);
        Assert.True(stopped, "The counters were still read three minutes after the last look.");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(counters.Collecting, "A new look did not start the counters again.");
    }
}

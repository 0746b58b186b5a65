using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Backbone.Tests.Support;

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
        using var counters = JsonDocument.Parse(await cityAdmin.Client.GetStringAsync("dashboard/DashboardCounters"));
        var silo = Assert.Single(counters.RootElement.GetProperty("hosts").EnumerateArray());
        var grainTypes = await cityAdmin.Client.GetStringAsync("dashboard/GrainTypes");
        var state = await cityAdmin.Client.GetAsync("dashboard/GrainState?grainId=me&grainType=Backbone.Grains.Citizens.CitizenGrain");

        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.Contains("Backbone.Grains.Cases.CaseGrain", grainTypes);
        Assert.Equal(HttpStatusCode.Forbidden, state.StatusCode);
        Assert.Contains("personal data", await state.Content.ReadAsStringAsync());
    }

    /// <summary>Posts the staff member's access token for a dashboard session; the client keeps what cookie it got.</summary>
    private async Task<(HttpResponseMessage Opened, HttpClient Client)> SessionAsync(Uri web, string mobile)
    {
        var token = (await fixture.Node.Identity.SignInAsync(
            TestIdentity.StaffConsole, TestIdentity.StaffConsoleRedirect, "openid grid.read", mobile, TestIdentity.StaffPassword)).AccessToken!;
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = web };
        using var request = new HttpRequestMessage(HttpMethod.Post, "ops/dashboard-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.SendAsync(request), client);
    }
}

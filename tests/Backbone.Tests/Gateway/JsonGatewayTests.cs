using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace Backbone.Tests.Gateway;

/// <summary>The web port as mini-programs and browsers use it: JSON over HTTP/1.1, gRPC-Web, CORS.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class JsonGatewayTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task A_citizen_reads_themselves_submits_an_appeal_and_reads_it_back_in_JSON()
    {
        using var http = await CitizenHttp("openid citizen.profile cases.submit");

        var me = await http.GetFromJsonAsync<JsonElement>("/v1/citizens/me");
        var submitted = await http.PostAsJsonAsync("/v1/appeals", new
        {
            requestId = TestData.RequestId(),
            category = "noise",
            description = "小区广场舞音响太大（JSON 提交）",
            location = new { latitude = 30.59, longitude = 104.063 },
        });
        var appeal = await submitted.Content.ReadFromJsonAsync<JsonElement>();
        var readBack = await http.GetFromJsonAsync<JsonElement>($"/v1/cases/{appeal.GetProperty("caseId").GetString()}");

        Assert.Equal("测试市民", me.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, submitted.StatusCode);
        Assert.Equal("CASE_STATE_DISPATCHED", appeal.GetProperty("state").GetString());
        Assert.Equal("小区广场舞音响太大（JSON 提交）", readBack.GetProperty("description").GetString());
        Assert.Equal("510104001001001", readBack.GetProperty("gridCode").GetString());
    }

    [Fact]
    public async Task Errors_come_back_as_JSON_status_with_the_matching_HTTP_status()
    {
        using var http = await CitizenHttp("openid citizen.profile cases.submit");
        using var anonymous = new HttpClient { BaseAddress = Node.Identity.Provider };

        var invalid = await http.PostAsJsonAsync("/v1/appeals", new { requestId = TestData.RequestId(), category = "ufo", description = "" });
        var notFound = await http.GetAsync($"/v1/cases/{new string('0', 32)}");
        var noToken = await anonymous.GetAsync("/v1/citizens/me");
        var malformed = await http.PostAsync("/v1/appeals", new StringContent("{not json", MediaTypeHeaderValue.Parse("application/json")));
        var oversized = await http.PostAsJsonAsync("/v1/appeals", new { requestId = TestData.RequestId(), description = new string('x', 100_000) });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var status = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, status.GetProperty("code").GetInt32()); // INVALID_ARGUMENT
        Assert.Contains("category", status.GetProperty("details").ToString());
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(3, (await malformed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
    }

    [Fact]
    public async Task A_read_labelled_as_JSON_without_a_body_is_served()
    {
        using var http = await CitizenHttp("openid citizen.profile cases.submit");

        // Many fetch wrappers label every request application/json, GETs included.
        using var labelled = new HttpRequestMessage(HttpMethod.Get, "/v1/citizens/me") { Content = new StringContent(string.Empty, null, "application/json") };
        using var answer = await http.SendAsync(labelled);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(32, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("citizenId").GetString()!.Length);
    }

    [Fact]
    public async Task A_browser_calls_over_gRPC_Web_on_the_web_port()
    {
        var token = (await Node.Identity.SignInAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, "openid citizen.profile",
            TestIdentity.CitizenMobile, TestIdentity.CitizenPassword)).AccessToken!;
        using var channel = GrpcChannel.ForAddress(Node.Identity.Provider, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWebText, new HttpClientHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });

        var me = await new CitizenService.CitizenServiceClient(channel.WithToken(token)).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });

        Assert.Equal("测试市民", me.Name);
    }

    [Theory]
    [InlineData(NodeSettings.AllowedOrigin, true)]
    [InlineData("https://evil.example.com", false)]
    public async Task Only_configured_origins_may_call_from_a_browser(string origin, bool allowed)
    {
        using var http = new HttpClient { BaseAddress = Node.Identity.Provider };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/appeals");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        var answer = await http.SendAsync(preflight);

        Assert.Equal(allowed, answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var origins) && origins.Single() == origin);
    }

    private async Task<HttpClient> CitizenHttp(string scope)
    {
        var token = (await Node.Identity.SignInAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, scope,
            TestIdentity.CitizenMobile, TestIdentity.CitizenPassword)).AccessToken!;
        var http = new HttpClient { BaseAddress = Node.Identity.Provider };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}

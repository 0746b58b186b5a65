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
    public async Task A_body_that_does_not_fit_the_request_is_refused_naming_each_field_and_nothing_is_filed()
    {
        using var http = await CitizenHttp("openid citizen.profile cases.submit");
        var requestId = TestData.RequestId();

        // A number where a string goes, a word where a number goes, and a misspelt optional field that transcoding
        // would have dropped without a word (the appeal filed without its attachments).
        var misfit = await Post(http, "/v1/appeals", $$"""
            {"requestId": "{{requestId}}", "category": 5, "description": "路灯不亮（字段写错）",
             "location": {"latitude": "north", "longitude": 104.063}, "attachmentRef": ["photo-1"]}
            """);
        var duplicate = await Post(http, "/v1/appeals", $$"""{"requestId": "{{requestId}}", "requestId": "{{TestData.RequestId()}}"}""");
        var notUtf8 = await http.PostAsync("/v1/appeals", new ByteArrayContent([.. "{\"description\": \""u8, 0xFF, 0xFE, .. "\"}"u8])
        {
            Headers = { ContentType = MediaTypeHeaderValue.Parse("application/json") },
        });
        var manyWrong = await Post(http, "/v1/appeals", "{" + string.Join(',', Enumerable.Range(0, 5_000).Select(i => $"\"f{i}\": 1")) + "}");
        var badQuery = await http.GetAsync("/v1/cases:mine?pageSize=lots");
        var cacheBuster = await http.GetAsync("/v1/cases:mine?_=1765094400000"); // names no field: left alone
        var filed = await http.PostAsJsonAsync("/v1/appeals", new
        {
            requestId,
            category = "road",
            description = "路灯不亮（字段写错）",
            location = new { latitude = 30.59, longitude = 104.063 },
            attachmentRefs = new[] { "photo-1" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, misfit.StatusCode);
        Assert.Equal(
            ["attachmentRef: is not a field of SubmitAppealRequest; did you mean attachmentRefs?", "category: must be a string", "location.latitude: must be a number"],
            (await Violations(misfit)).Order());
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Contains("Duplicate property 'requestId'", (await duplicate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(["description: must be text: valid UTF-8, without half of a UTF-16 surrogate pair"], await Violations(notUtf8));
        Assert.Equal(20, (await Violations(manyWrong)).Count()); // the first twenty: an answer no larger than the question
        Assert.Equal(["page_size: must be a whole number from -2147483648 to 2147483647"], await Violations(badQuery));
        Assert.Equal(HttpStatusCode.OK, cacheBuster.StatusCode);
        // Nothing of the refused calls was stored: the request id is still free, and the appeal is filed whole.
        var appeal = await filed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, filed.StatusCode);
        Assert.Equal("photo-1", appeal.GetProperty("attachmentRefs")[0].GetString());
    }

    [Fact]
    public async Task Every_JSON_route_names_each_field_of_a_body_or_query_that_does_not_fit()
    {
        using var http = await CitizenHttp("openid citizen.profile cases.submit");
        using var document = JsonDocument.Parse(await http.GetStringAsync("openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var checkedRoutes = 0;

        foreach (var route in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in route.Value.EnumerateObject())
            {
                var path = System.Text.RegularExpressions.Regex.Replace(route.Name, "{[^}]+}", "x");
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var expected = new List<string>();
                using var request = new HttpRequestMessage(method, path);
                if (operation.Value.TryGetProperty("requestBody", out var requestBody))
                {
                    // Every field of the body given a value of the wrong JSON type, and one field the message lacks.
                    var schema = Resolve(schemas, requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
                    var body = new Dictionary<string, object> { ["notAField"] = 1 };
                    expected.Add("notAField"); // named as sent
                    foreach (var field in schema.GetProperty("properties").EnumerateObject())
                    {
                        if (WrongValue(Resolve(schemas, field.Value)) is { } wrong)
                        {
                            body[field.Name] = wrong;
                            expected.Add(SnakeCase(field.Name));
                        }
                    }

                    request.Content = JsonContent.Create(body);
                }
                else
                {
                    // Every query parameter that is a number, true or false, or one of a list of names, given a word.
                    var query = operation.Value.TryGetProperty("parameters", out var parameters)
                        ? parameters.EnumerateArray()
                            .Where(p => p.GetProperty("in").GetString() == "query"
                                && (Resolve(schemas, p.GetProperty("schema")).TryGetProperty("enum", out _)
                                    || Resolve(schemas, p.GetProperty("schema")).GetProperty("type").GetString() is "integer" or "number" or "boolean"))
                            .Select(p => p.GetProperty("name").GetString()!).ToList()
                        : [];
                    if (query.Count == 0)
                    {
                        continue;
                    }

                    request.RequestUri = new Uri(path + "?" + string.Join('&', query.Select(q => q + "=zzz")), UriKind.Relative);
                    expected.AddRange(query.Select(SnakeCase));
                }

                using var answer = await http.SendAsync(request);

                Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{method} {route.Name}: {answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                // A route whose body is one field of the request (PUT /v1/facilities/{id}: the facility) names them under it.
                var named = (await Violations(answer)).Select(v => v[..v.IndexOf(':')])
                    .Select(field => request.Content is null ? field : field.Split('.')[^1]).ToList();
                Assert.True(expected.Order().SequenceEqual(named.Order()), $"{method} {route.Name}: expected {string.Join(", ", expected)}; named {string.Join(", ", named)}");
                checkedRoutes++;
            }
        }

        Assert.True(checkedRoutes > 30, $"only {checkedRoutes} routes checked");

        static JsonElement Resolve(JsonElement schemas, JsonElement schema) =>
            schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;

        // A value no reading of the field accepts: an object for a string, number, boolean or list; a string for a message.
        static object? WrongValue(JsonElement schema) =>
            schema.TryGetProperty("enum", out _) || (schema.TryGetProperty("type", out var type) && type.GetString() != "object") ? new { wrong = true }
            : "not an object"; // a message, a map

        static string SnakeCase(string name) =>
            string.Concat(name.Select(c => char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : c.ToString()));
    }

    private static Task<HttpResponseMessage> Post(HttpClient http, string path, string json) =>
        http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    // "field: description" for each field violation of a JSON status.
    private static async Task<IEnumerable<string>> Violations(HttpResponseMessage answer)
    {
        var status = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, status.GetProperty("code").GetInt32()); // INVALID_ARGUMENT
        return status.GetProperty("details").EnumerateArray()
            .Where(d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.BadRequest")
            .SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray())
            .Select(v => $"{v.GetProperty("field").GetString()}: {v.GetProperty("description").GetString()}")
            .ToList();
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
        var token = await Node.Identity.CitizenTokenAsync("openid citizen.profile");
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
    [InlineData("!!not base64##", "3", "The gRPC-Web text request is not base64.")]
    [InlineData("AAAAAAQKAm1l", "16", null)] // GetCitizen(me), framed and encoded: read, and refused only for want of a token
    public async Task A_gRPC_Web_text_call_is_read_as_base64_or_refused_as_an_invalid_argument(string body, string status, string? message)
    {
        using var http = new HttpClient { BaseAddress = Node.Identity.Provider };

        using var answer = await http.PostAsync("/backbone.v1.CitizenService/GetCitizen", new StringContent(body, null, "application/grpc-web-text"));

        Assert.Equal(status, answer.Headers.GetValues("grpc-status").Single());
        if (message is not null)
        {
            Assert.Equal(message, answer.Headers.GetValues("grpc-message").Single());
        }
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
        var token = await Node.Identity.CitizenTokenAsync(scope);
        var http = new HttpClient { BaseAddress = Node.Identity.Provider };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}

using System.Text.Json;
using Backbone.Tests.Support;

namespace Backbone.Tests.Gateway;

[Collection(SharedNodeCollection.Name)]
public sealed class OpenApiTests(BackboneFixture fixture)
{
    [Fact]
    public async Task The_OpenAPI_document_lists_every_JSON_route_with_the_comments_of_the_protos()
    {
        using var http = new HttpClient { BaseAddress = fixture.Node.Identity.Provider };

        using var document = JsonDocument.Parse(await http.GetStringAsync("openapi/v1.json"));

        var root = document.RootElement;
        Assert.StartsWith("3.0", root.GetProperty("openapi").GetString());
        var paths = root.GetProperty("paths");
        foreach (var route in new[] { "/v1/citizens/{citizenId}", "/v1/citizens", "/v1/appeals", "/v1/cases/{caseId}", "/v1/units/{code}", "/v1/facilities:nearby", "/v1/units/{unitCode}/coverage", "/v1/features" })
        {
            Assert.True(paths.TryGetProperty(route, out _), $"{route} is missing from the document");
        }

        var nearby = paths.GetProperty("/v1/facilities:nearby").GetProperty("get");
        Assert.Contains("reachable from a point", nearby.ToString()); // the RPC's comment in circle.proto
        Assert.Contains("Chosen by the caller", root.GetProperty("components").ToString()); // a field's comment
    }
}

using System.Net.Http.Json;
using System.Text.Json;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Catalog;
using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;
using Bundle = Backbone.Grains.Catalog.Bundle;
using BundlePart = Backbone.Grains.Catalog.BundlePart;
using Matter = Backbone.Grains.Catalog.Matter;
using UnitLevel = Backbone.Grains.Abstractions.Grid.UnitLevel;

namespace Backbone.Tests.Catalog;

/// <summary>The service catalogue as apps and mini-programs read it (no token needed), and the checks on its seed.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class CatalogTests(BackboneFixture fixture)
{
    private BackboneNode Node => fixture.Node;

    private CatalogService.CatalogServiceClient Catalog => new(Node.Channel);

    [Fact]
    public async Task The_sample_city_lists_about_thirty_matters_for_citizens_and_enterprises()
    {
        var all = await Catalog.ListMattersAsync(new ListMattersRequest());
        var forEnterprises = await Catalog.ListMattersAsync(new ListMattersRequest { Audience = Audience.Enterprise });
        var bundles = await Catalog.ListBundlesAsync(new ListBundlesRequest());

        Assert.InRange(all.Matters.Count, 25, 40);
        Assert.All(all.Matters, m => Assert.True(m.Name.Length > 0 && m.NameEn.Length > 0 && m.Department.Length > 0 && m.Materials.Count > 0, m.Code));
        Assert.Contains(forEnterprises.Matters, m => m.Code == "food.business-licence");
        Assert.All(forEnterprises.Matters, m => Assert.Equal(Audience.Enterprise, m.Audience));
        Assert.Contains(bundles.Bundles, b => b.Code == "open-restaurant" && b.Parts.Count == 3);
    }

    [Fact]
    public async Task Matters_are_found_by_Chinese_or_English_text_and_by_department()
    {
        var restaurant = await Catalog.ListMattersAsync(new ListMattersRequest { Query = "餐饮" });
        var english = await Catalog.ListMattersAsync(new ListMattersRequest { Query = "residence permit" });
        var police = await Catalog.ListMattersAsync(new ListMattersRequest { Department = "公安局", Audience = Audience.Citizen });
        var food = await Catalog.GetMatterAsync(new GetMatterRequest { Code = "food.business-licence" });

        Assert.Equal(["food.business-licence"], restaurant.Matters.Select(m => m.Code));
        Assert.Equal(["residence.permit"], english.Matters.Select(m => m.Code));
        Assert.Contains(police.Matters, m => m.Code == "birth.registration");
        Assert.All(police.Matters, m => Assert.Equal("公安局", m.Department));
        Assert.Equal(("食品经营许可", "市场监督管理局", HandlingType.Promised, 10, "food-business-licence"),
            (food.Name, food.Department, food.Handling, food.CommitmentDays, food.IssuesCertificate));
        Assert.Equal(["business-licence"], food.Materials.Single(m => m.Code == "business-licence").SatisfiedBy);
    }

    [Fact]
    public async Task An_unknown_matter_is_not_found_and_a_bad_filter_is_named()
    {
        await RpcAssert.Fails(StatusCode.NotFound, () => Catalog.GetMatterAsync(new GetMatterRequest { Code = "casino.licence" }).ResponseAsync);
        var error = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => Catalog.ListMattersAsync(new ListMattersRequest { Audience = (Audience)7, Query = new string('查', 51) }).ResponseAsync);

        Assert.Equal(["audience", "query"], RpcAssert.ViolatedFields(error));
    }

    [Fact]
    public async Task A_mini_program_reads_the_catalogue_as_JSON_without_signing_in()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Node.Settings.WebPort}") };

        var found = await http.GetFromJsonAsync<JsonElement>("/v1/matters?query=" + Uri.EscapeDataString("出生"));

        Assert.Equal(
            ["birth.medical-certificate", "birth.registration"],
            found.GetProperty("matters").EnumerateArray().Select(m => m.GetProperty("code").GetString()));
    }

    [Fact]
    public void A_seed_whose_bundle_names_a_matter_twice_or_waits_in_a_circle_is_refused()
    {
        Matter Matter(string code) => new(code, code, code, "民政局", "Civil Affairs", HolderKind.Citizen, UnitLevel.Street, Handling.Immediate, 0, true, 0, 0, [], null, string.Empty);
        ServiceCatalog With(params Bundle[] bundles) => new([], [Matter("a"), Matter("b")], bundles);

        var twice = Assert.Throws<InvalidDataException>(() => With(new Bundle("x", "x", "x", HolderKind.Citizen, [new BundlePart("a", null), new BundlePart("a", null)])));
        var circle = Assert.Throws<InvalidDataException>(() => With(new Bundle("y", "y", "y", HolderKind.Citizen, [new BundlePart("a", "b"), new BundlePart("b", "a")])));
        var unknown = Assert.Throws<InvalidDataException>(() => With(new Bundle("z", "z", "z", HolderKind.Citizen, [new BundlePart("c", null)])));
        var fine = With(new Bundle("ok", "ok", "ok", HolderKind.Citizen, [new BundlePart("a", null), new BundlePart("b", "a")]));

        Assert.Contains("names the matter a twice", twice.Message);
        Assert.Contains("circle", circle.Message);
        Assert.Contains("unknown matter c", unknown.Message);
        Assert.NotNull(fine.FindBundle("ok"));
    }
}

using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Citizens;

namespace Backbone.Tests.Citizens;

public sealed class CitizenRulesTests
{
    private static readonly DateOnly Today = new(2026, 11, 27);

    [Fact]
    public void Every_bad_field_of_a_registration_is_reported_at_once()
    {
        var violations = CitizenRules.ValidateRegistration("", "张3", "510104199003071238", "12345", "", "51010", Today, out var citizen);

        Assert.Null(citizen);
        Assert.Equal(["request_id", "name", "id_number", "phone", "address", "grid_unit_code"], violations.Select(v => v.Field));
    }

    [Fact]
    public void A_valid_registration_is_normalized()
    {
        var violations = CitizenRules.ValidateRegistration(
            "r-1", " 阿依古丽•买买提 ", "11010519491231002x", "+86 139 1234 5678", " 成都市武侯区人民南路四段1号 ", "510107001002",
            Today, out var citizen);

        Assert.Empty(violations);
        Assert.Equal(new("阿依古丽·买买提", "11010519491231002X", "13912345678", "成都市武侯区人民南路四段1号", "510107001002"), citizen);
    }

    [Fact]
    public void An_update_mask_may_name_only_phone_address_and_grid_unit()
    {
        var violations = CitizenRules.ValidateChange(
            new string('a', 32), ["phone", "name", "id_number"], "13912345678", "", "", "", out var change);

        Assert.Null(change);
        Assert.Equal(2, violations.Count);
        Assert.All(violations, v => Assert.Equal("update_mask", v.Field));
    }

    [Fact]
    public void Only_masked_fields_are_checked_and_changed()
    {
        var violations = CitizenRules.ValidateChange(new string('a', 32), ["address"], "not a phone", "新地址", "x", "3", out var change);

        Assert.Empty(violations);
        Assert.Equal(new(null, "新地址", "3"), change);
    }

    [Fact]
    public void An_empty_update_mask_is_refused()
    {
        var violations = CitizenRules.ValidateChange(new string('a', 32), [], "13912345678", "", "", "", out _);

        Assert.Equal("update_mask", Assert.Single(violations).Field);
    }
}

public sealed class GridUnitCodeTests
{
    [Theory]
    [InlineData("5101", true)]
    [InlineData("510104", true)]
    [InlineData("510104001001001", true)]
    [InlineData("51010", false)]
    [InlineData("５１０１", false)]
    [InlineData("", false)]
    public void A_code_has_one_length_per_level(string code, bool valid) => Assert.Equal(valid, GridUnitCode.IsValid(code));

    [Theory]
    [InlineData("510104001001001", "510104", true)]
    [InlineData("510104", "510104", true)]
    [InlineData("510105001", "510104", false)]
    [InlineData("510104", "510104001", false)]
    [InlineData("", "5101", true)]
    [InlineData("", "510104", false)]
    public void A_subtree_is_every_code_starting_with_the_unit(string code, string unit, bool within) =>
        Assert.Equal(within, GridUnitCode.IsWithin(code, unit));
}

using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Citizens;

namespace Backbone.Tests.Citizens;

public sealed class PersonNameTests
{
    [Theory]
    [InlineData("张三")]
    [InlineData("欧阳娜娜")]
    [InlineData("阿依古丽·买买提")]
    [InlineData("爱新觉罗·溥仪")]
    [InlineData("John Smith")]
    [InlineData("Zoë O'Neil-Brown")]
    [InlineData("𠇔明")] // a rare character outside the Basic Multilingual Plane
    public void Real_names_are_accepted_unchanged(string input)
    {
        Assert.True(PersonName.TryNormalize(input, out var name, out var error), error);
        Assert.Equal(input, name);
    }

    [Theory]
    [InlineData("阿依古丽•买买提")] // bullet
    [InlineData("阿依古丽・买买提")] // katakana middle dot
    [InlineData("阿依古丽‧买买提")] // hyphenation point
    public void Middle_dot_look_alikes_become_the_middle_dot(string input)
    {
        Assert.True(PersonName.TryNormalize(input, out var name, out _));
        Assert.Equal("阿依古丽·买买提", name);
    }

    [Fact]
    public void Surrounding_and_repeated_spaces_are_trimmed()
    {
        Assert.True(PersonName.TryNormalize("  John   Smith ", out var name, out _));
        Assert.Equal("John Smith", name);
    }

    [Theory]
    [InlineData("张3")]
    [InlineData("Robert'); DROP TABLE--")]
    [InlineData("<script>")]
    [InlineData("·张三")]
    public void Digits_symbols_and_leading_separators_are_refused(string input)
    {
        Assert.False(PersonName.TryNormalize(input, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Fifty_characters_are_accepted_and_fifty_one_refused()
    {
        Assert.True(PersonName.TryNormalize(new string('李', 50), out _, out _));
        Assert.False(PersonName.TryNormalize(new string('李', 51), out _, out var error));
        Assert.Contains("at most 50", error);
    }

    [Fact]
    public void An_empty_name_is_refused()
    {
        Assert.False(PersonName.TryNormalize("   ", out _, out var error));
        Assert.Equal("is required", error);
    }
}

public sealed class MobilePhoneTests
{
    [Theory]
    [InlineData("13800138000", "13800138000")]
    [InlineData("+86 138 0013 8000", "13800138000")]
    [InlineData("0086-138-0013-8000", "13800138000")]
    [InlineData("8619912345678", "19912345678")]
    [InlineData("１３８００１３８０００", "13800138000")]
    public void Mainland_mobile_numbers_are_normalized_to_eleven_digits(string input, string expected)
    {
        Assert.True(MobilePhone.TryNormalize(input, out var phone, out var error), error);
        Assert.Equal(expected, phone);
    }

    [Theory]
    [InlineData("1380013800")] // 10 digits
    [InlineData("138001380001")] // 12 digits
    [InlineData("12800138000")] // no such prefix
    [InlineData("010-12345678")] // a landline
    [InlineData("+852 9123 4567")] // Hong Kong
    [InlineData("")]
    public void Other_numbers_are_refused(string input)
    {
        Assert.False(MobilePhone.TryNormalize(input, out _, out var error));
        Assert.NotEmpty(error);
    }
}

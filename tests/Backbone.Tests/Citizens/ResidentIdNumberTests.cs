using Backbone.Grains.Citizens;

namespace Backbone.Tests.Citizens;

public sealed class ResidentIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 27);

    [Theory]
    [InlineData("11010519491231002X")]
    [InlineData("510104199003071237")]
    [InlineData("440304198511114561")]
    [InlineData("110101200002290018")] // 29 February of a leap year
    public void Valid_numbers_are_accepted(string input)
    {
        Assert.True(ResidentIdNumber.TryParse(input, Today, out var number, out var error), error);
        Assert.Equal(input, number.Value);
    }

    [Fact]
    public void A_lower_case_x_check_character_is_accepted_as_upper_case()
    {
        Assert.True(ResidentIdNumber.TryParse("11010519491231002x", Today, out var number, out _));
        Assert.Equal("11010519491231002X", number.Value);
        Assert.Equal(new DateOnly(1949, 12, 31), number.BirthDate);
    }

    [Fact]
    public void Full_width_digits_typed_with_a_chinese_input_method_are_accepted()
    {
        Assert.True(ResidentIdNumber.TryParse("５１０１０４１９９００３０７１２３７", Today, out var number, out _));
        Assert.Equal("510104199003071237", number.Value);
    }

    [Theory]
    [InlineData("510104199003071238")] // last digit off by one
    [InlineData("110105194912310021")] // X replaced by a digit
    [InlineData("510104199003071273")] // two digits swapped
    public void A_wrong_check_character_is_refused(string input)
    {
        Assert.False(ResidentIdNumber.TryParse(input, Today, out _, out var error));
        Assert.Contains("check character", error);
    }

    [Theory]
    [InlineData("51010419900307123")]
    [InlineData("5101041990030712377")]
    [InlineData("510104900307123")] // the old 15-digit form
    public void A_wrong_length_is_refused(string input)
    {
        Assert.False(ResidentIdNumber.TryParse(input, Today, out _, out var error));
        Assert.Contains("18 characters", error);
    }

    [Theory]
    [InlineData("19990230")] // 30 February
    [InlineData("19991301")] // month 13
    [InlineData("18991231")] // before 1900
    public void An_impossible_birth_date_is_refused(string birthDate)
    {
        var first17 = "510104" + birthDate + "123";
        Assert.False(ResidentIdNumber.TryParse(first17 + ResidentIdNumber.CheckCharacter(first17), Today, out _, out var error));
        Assert.Contains("not a real date", error);
    }

    [Fact]
    public void A_birth_date_after_today_is_refused()
    {
        var first17 = "510104" + "20261128" + "123";
        Assert.False(ResidentIdNumber.TryParse(first17 + ResidentIdNumber.CheckCharacter(first17), Today, out _, out var error));
        Assert.Contains("future", error);
    }

    [Fact]
    public void A_region_code_outside_every_province_is_refused()
    {
        var first17 = "990104" + "19900307" + "123";
        Assert.False(ResidentIdNumber.TryParse(first17 + ResidentIdNumber.CheckCharacter(first17), Today, out _, out var error));
        Assert.Contains("province", error);
    }

    [Fact]
    public void Letters_among_the_first_17_characters_are_refused()
    {
        Assert.False(ResidentIdNumber.TryParse("5101041990O3071237", Today, out _, out var error));
        Assert.Contains("digits", error);
    }

    [Fact]
    public void The_masked_form_hides_the_birth_date_and_keeps_region_and_last_four()
    {
        Assert.True(ResidentIdNumber.TryParse("11010519491231002X", Today, out var number, out _));
        Assert.Equal("110105********002X", number.Masked);
    }
}

using Backbone.Grains.Abstractions.Enterprises;

namespace Backbone.Tests.Enterprises;

/// <summary>Unified social credit codes (GB 32100) with their embedded organisation codes (GB 11714).</summary>
public sealed class CreditCodeTests
{
    [Theory]
    [InlineData("91350100M000100Y43")] // the standard's own example
    [InlineData("91110000600037341L")] // a published code of a Beijing company
    [InlineData("91510104MA6CA0RW7D")] // computed for 锦江区 (510104)
    public void Published_and_well_formed_codes_are_valid(string code) =>
        Assert.Null(CreditCode.Problem(code));

    [Theory]
    [InlineData("91350100M000100Y44", "check character")] // last character changed
    [InlineData("91350100M000100Y53", "organisation code")] // its GB 11714 check broken (and the last one recomputed would differ)
    [InlineData("91350100M000100Y4", "18 characters")]
    [InlineData("91350100M000100Y433", "18 characters")]
    [InlineData("", "18 characters")]
    [InlineData("91350100m000100Y43", "found 'm'")] // lower case
    [InlineData("91350100I000100Y43", "found 'I'")]
    [InlineData("91350100O000100Y43", "found 'O'")]
    [InlineData("91350100Z000100Y43", "found 'Z'")]
    [InlineData("91350100S000100Y43", "found 'S'")]
    [InlineData("91350100V000100Y43", "found 'V'")]
    [InlineData("9135A100M000100Y43", "administrative division")]
    [InlineData("91350100M000100Ｙ43", "found 'Ｙ'")] // a full-width letter
    public void Broken_codes_are_refused_saying_why(string code, string why) =>
        Assert.Contains(why, CreditCode.Problem(code));

    [Fact]
    public void A_code_that_passes_only_the_final_check_is_still_refused()
    {
        // Break the organisation code's check, then repair the final check character: only the inner check catches it.
        var first17 = "91350100M000100Y5";
        var code = first17 + CreditCode.CheckCharacter(first17);

        Assert.Contains("organisation code", CreditCode.Problem(code));
    }
}

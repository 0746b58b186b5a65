namespace Backbone.Grains.Abstractions.Enterprises;

/// <summary>
/// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from 0-9 and the
/// capital letters without I, O, Z, S and V. Character 1 is the registration authority, 2 the kind of
/// organisation, 3-8 the administrative division, 9-17 the organisation code (GB 11714, whose ninth
/// character checks the eight before it), 18 the check character over the first seventeen.
/// </summary>
public static class CreditCode
{
    public const int Length = 18;

    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    private static readonly int[] OrganisationWeights = [3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>What is wrong with <paramref name="code"/>, in words a caller can act on; null when it is a valid code.</summary>
    public static string? Problem(string? code)
    {
        if (string.IsNullOrEmpty(code) || code.Length != Length)
        {
            return $"must be {Length} characters, not {code?.Length ?? 0}";
        }

        var bad = code.FirstOrDefault(c => Alphabet.IndexOf(c, StringComparison.Ordinal) < 0);
        if (bad != default)
        {
            return $"may hold only digits and the capital letters other than I, O, Z, S and V (found '{bad}')";
        }

        if (code.AsSpan(2, 6).ContainsAnyExceptInRange('0', '9'))
        {
            return "characters 3 to 8 must be the digits of an administrative division code";
        }

        if (OrganisationCheck(code.AsSpan(8, 8)) != code[16])
        {
            return "the organisation code (characters 9 to 17) fails its GB 11714 check character";
        }

        return CheckCharacter(code.AsSpan(0, 17)) == code[17] ? null : "the check character (the 18th) does not match the first 17";
    }

    public static bool IsValid(string? code) => Problem(code) is null;

    /// <summary>The 18th character for the first seventeen (GB 32100).</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += Alphabet.IndexOf(first17[i]) * Weights[i];
        }

        return Alphabet[(31 - (sum % 31)) % 31];
    }

    /// <summary>The ninth character of an organisation code for its first eight (GB 11714: digits, letters A=10 … Z=35).</summary>
    public static char OrganisationCheck(ReadOnlySpan<char> first8)
    {
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            sum += (char.IsAsciiDigit(first8[i]) ? first8[i] - '0' : first8[i] - 'A' + 10) * OrganisationWeights[i];
        }

        return (11 - (sum % 11)) switch
        {
            10 => 'X',
            11 => '0',
            var digit => (char)('0' + digit),
        };
    }
}

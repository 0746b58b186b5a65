using System.Globalization;
using System.Text;

namespace Backbone.Grains.Citizens;

/// <summary>
/// An 18-character resident ID number (公民身份号码, GB 11643-1999): a 6-digit region code, an 8-digit
/// birth date, a 3-digit sequence and a check character computed over the first 17 digits.
/// </summary>
public readonly record struct ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    // Province-level codes of GB/T 2260, plus 81/82/83 of the residence permits for Hong Kong, Macao
    // and Taiwan residents. Foreigners' permanent residence ID numbers start with 9 and a province code.
    private static readonly HashSet<int> ProvinceCodes =
    [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ];

    private ResidentIdNumber(string value, DateOnly birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    /// <summary>The number in canonical form: ASCII, upper-case X.</summary>
    public string Value { get; }

    public DateOnly BirthDate { get; }

    /// <summary>The number with the birth date hidden, e.g. <c>510104********123X</c>.</summary>
    public string Masked => Mask(Value);

    public override string ToString() => Masked;

    public static string Mask(string canonical) => canonical[..6] + "********" + canonical[14..];

    /// <summary>Parses user input (full-width digits and a lower-case x are accepted).</summary>
    /// <param name="today">Birth dates after this day are refused.</param>
    public static bool TryParse(string? input, DateOnly today, out ResidentIdNumber number, out string error)
    {
        number = default;
        var text = (input ?? string.Empty).Normalize(NormalizationForm.FormKC).Trim().ToUpperInvariant();
        if (text.Length == 0)
        {
            error = "is required";
            return false;
        }

        if (text.Length != 18)
        {
            error = $"must be 18 characters (17 digits and a check character), not {text.Length}";
            return false;
        }

        if (text.AsSpan(0, 17).ContainsAnyExcept(AsciiDigits))
        {
            error = "the first 17 characters must be digits";
            return false;
        }

        if (!char.IsAsciiDigit(text[17]) && text[17] != 'X')
        {
            error = "the last character must be a digit or X";
            return false;
        }

        var province = int.Parse(text.AsSpan(text[0] == '9' ? 1 : 0, 2), CultureInfo.InvariantCulture);
        if (!ProvinceCodes.Contains(province))
        {
            error = $"region code {text[..6]} does not start with a province code";
            return false;
        }

        if (!DateOnly.TryParseExact(text.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate.Year < 1900)
        {
            error = $"birth date {text.Substring(6, 8)} is not a real date";
            return false;
        }

        if (birthDate > today)
        {
            error = $"birth date {text.Substring(6, 8)} is in the future";
            return false;
        }

        if (CheckCharacter(text) != text[17])
        {
            error = "the check character does not match the other 17 digits (GB 11643); the number is probably mistyped";
            return false;
        }

        number = new ResidentIdNumber(text, birthDate);
        error = string.Empty;
        return true;
    }

    /// <summary>The GB 11643 check character of the first 17 digits.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17Digits)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17Digits[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    private static readonly System.Buffers.SearchValues<char> AsciiDigits =
        System.Buffers.SearchValues.Create("0123456789");
}

using System.Globalization;
using System.Text;

namespace Backbone.Grains.Citizens;

/// <summary>
/// A person's name as on the ID card: Chinese (including rare characters outside the BMP) or Latin
/// letters, with the middle dot of minority and transliterated names (阿依古丽·买买提).
/// </summary>
public static class PersonName
{
    public const int MaxLength = 50;
    public const char MiddleDot = '\u00B7';

    // Look-alikes that input methods produce for the name separator: bullet, katakana middle dot,
    // hyphenation point, half-width katakana middle dot.
    private static readonly char[] MiddleDotLookAlikes = ['\u2022', '\u30FB', '\u2027', '\uFF65', '\u2219', '\u22C5'];

    public static bool TryNormalize(string? input, out string name, out string error)
    {
        name = string.Empty;
        var text = (input ?? string.Empty).Normalize(NormalizationForm.FormC).Trim();
        foreach (var lookAlike in MiddleDotLookAlikes)
        {
            text = text.Replace(lookAlike, MiddleDot);
        }

        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length == 0)
        {
            error = "is required";
            return false;
        }

        var length = new StringInfo(text).LengthInTextElements;
        if (length > MaxLength)
        {
            error = $"must be at most {MaxLength} characters, not {length}";
            return false;
        }

        foreach (var rune in text.EnumerateRunes())
        {
            if (!IsAllowed(rune))
            {
                error = $"contains '{rune}', which a name may not; letters, the middle dot (·), spaces, hyphens and apostrophes are allowed";
                return false;
            }
        }

        if (!Rune.IsLetter(Rune.GetRuneAt(text, 0)) || !IsLetterOrMark(LastRune(text)))
        {
            error = "must start and end with a letter";
            return false;
        }

        name = text;
        error = string.Empty;
        return true;
    }

    private static bool IsAllowed(Rune rune) =>
        IsLetterOrMark(rune) || rune.Value is MiddleDot or ' ' or '-' or '\'' or '.';

    private static bool IsLetterOrMark(Rune rune) =>
        Rune.IsLetter(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static Rune LastRune(string text)
    {
        Rune.DecodeLastFromUtf16(text, out var rune, out _);
        return rune;
    }
}

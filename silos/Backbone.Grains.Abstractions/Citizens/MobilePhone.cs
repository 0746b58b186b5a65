using System.Text;
using System.Text.RegularExpressions;

namespace Backbone.Grains.Abstractions.Citizens;

/// <summary>A mainland China mobile number, kept as its 11 digits.</summary>
public static partial class MobilePhone
{
    /// <summary>
    /// Accepts "+86", "0086" or "86" in front, spaces and hyphens between digits and full-width digits;
    /// gives the bare 11 digits.
    /// </summary>
    public static bool TryNormalize(string? input, out string phone, out string error)
    {
        phone = string.Empty;
        var text = (input ?? string.Empty).Normalize(NormalizationForm.FormKC);
        var digits = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            if (c is ' ' or '-')
            {
                continue;
            }

            digits.Append(c);
        }

        var candidate = digits.ToString();
        if (candidate.Length == 0)
        {
            error = "is required";
            return false;
        }

        if (candidate.StartsWith("+86", StringComparison.Ordinal))
        {
            candidate = candidate[3..];
        }
        else if (candidate.StartsWith("0086", StringComparison.Ordinal))
        {
            candidate = candidate[4..];
        }
        else if (candidate.Length == 13 && candidate.StartsWith("86", StringComparison.Ordinal))
        {
            candidate = candidate[2..];
        }

        if (!MainlandMobile().IsMatch(candidate))
        {
            error = "must be a mainland mobile number: 11 digits starting with 13 to 19, e.g. 13800138000";
            return false;
        }

        phone = candidate;
        error = string.Empty;
        return true;
    }

    [GeneratedRegex("^1[3-9][0-9]{9}$")]
    private static partial Regex MainlandMobile();
}

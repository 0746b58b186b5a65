using System.Globalization;
using System.Text;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Grid;

/// <summary>The rules a grid request passes before anything is read or written; every broken one is reported at once.</summary>
public static class GridRules
{
    public const int MaxNameLength = 50;
    public const int MaxPhoneLength = 20;

    public static readonly IReadOnlySet<string> UpdatableFields = new HashSet<string>(StringComparer.Ordinal) { "name", "duty_phone" };

    public static IReadOnlyList<FieldViolation> ValidateCode(string? code, string field = "code") =>
        GridUnitCode.IsValid(code) ? [] : [new FieldViolation(field, string.IsNullOrEmpty(code) ? "is required" : GridUnitCode.FormatDescription)];

    public static IReadOnlyList<FieldViolation> ValidateLocation(double latitude, double longitude, string field = "location")
    {
        var violations = new List<FieldViolation>();
        if (!double.IsFinite(latitude) || latitude is < -90 or > 90)
        {
            violations.Add(new FieldViolation($"{field}.latitude", "must be from -90 to 90 degrees"));
        }

        if (!double.IsFinite(longitude) || longitude is < -180 or > 180)
        {
            violations.Add(new FieldViolation($"{field}.longitude", "must be from -180 to 180 degrees"));
        }

        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateChange(
        string? code, IReadOnlyCollection<string> mask, string? name, string? dutyPhone, string? etag, out GridUnitChange? change)
    {
        var violations = new List<FieldViolation>(ValidateCode(code));
        change = null;
        if (mask.Count == 0)
        {
            violations.Add(new FieldViolation("update_mask", "must name at least one of: name, duty_phone"));
        }

        violations.AddRange(mask.Where(p => !UpdatableFields.Contains(p))
            .Select(p => new FieldViolation("update_mask", $"'{p}' cannot be updated; only name and duty_phone can")));

        string? newName = null;
        if (mask.Contains("name"))
        {
            newName = (name ?? string.Empty).Normalize(NormalizationForm.FormC).Trim();
            var length = new StringInfo(newName).LengthInTextElements;
            if (length is 0 or > MaxNameLength || newName.Any(char.IsControl))
            {
                violations.Add(new FieldViolation("name", $"must be 1 to {MaxNameLength} characters without line breaks"));
            }
        }

        string? newPhone = null;
        if (mask.Contains("duty_phone"))
        {
            newPhone = (dutyPhone ?? string.Empty).Trim();
            if (newPhone.Length > MaxPhoneLength || !newPhone.All(c => char.IsAsciiDigit(c) || c is '-' or ' ' or '+'))
            {
                violations.Add(new FieldViolation("duty_phone", $"must be up to {MaxPhoneLength} digits, spaces, '+' and '-'"));
            }
        }

        if (violations.Count == 0)
        {
            change = new GridUnitChange(newName, newPhone, string.IsNullOrEmpty(etag) ? null : etag);
        }

        return violations;
    }
}

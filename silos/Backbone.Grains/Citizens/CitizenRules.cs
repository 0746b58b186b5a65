using System.Globalization;
using System.Text;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;

namespace Backbone.Grains.Citizens;

/// <summary>
/// Every rule a citizen request must pass before anything is written. Each method reports all the
/// broken rules at once, named by their proto field, so a partner fixes a request in one round trip.
/// </summary>
public static class CitizenRules
{
    public const int MaxAddressLength = 200;

    /// <summary>The fields an update mask may name.</summary>
    public static readonly IReadOnlySet<string> UpdatableFields = new HashSet<string>(StringComparer.Ordinal) { "phone", "address", "grid_unit_code" };

    public static IReadOnlyList<FieldViolation> ValidateRegistration(
        string? requestId, string? name, string? idNumber, string? phone, string? address, string? gridUnitCode, DateOnly today,
        out NewCitizen? citizen)
    {
        var violations = new List<FieldViolation>();
        citizen = null;

        violations.AddRange(RequestIds.Validate(requestId));
        if (!PersonName.TryNormalize(name, out var normalizedName, out var nameError))
        {
            violations.Add(new FieldViolation("name", nameError));
        }

        if (!ResidentIdNumber.TryParse(idNumber, today, out var number, out var idError))
        {
            violations.Add(new FieldViolation("id_number", idError));
        }

        if (!MobilePhone.TryNormalize(phone, out var normalizedPhone, out var phoneError))
        {
            violations.Add(new FieldViolation("phone", phoneError));
        }

        if (!TryNormalizeAddress(address, out var normalizedAddress, out var addressError))
        {
            violations.Add(new FieldViolation("address", addressError));
        }

        if (!string.IsNullOrEmpty(gridUnitCode) && !GridUnitCode.IsValid(gridUnitCode))
        {
            violations.Add(new FieldViolation("grid_unit_code", GridUnitCode.FormatDescription));
        }

        if (violations.Count == 0)
        {
            citizen = new NewCitizen(normalizedName, number.Value, normalizedPhone, normalizedAddress, gridUnitCode ?? string.Empty);
        }

        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateChange(
        string? citizenId, IReadOnlyCollection<string> updateMask, string? phone, string? address, string? gridUnitCode, string? etag,
        out CitizenChange? change)
    {
        var violations = new List<FieldViolation>();
        change = null;

        CheckCitizenId(citizenId, violations);
        if (updateMask.Count == 0)
        {
            violations.Add(new FieldViolation("update_mask", "must name at least one of: phone, address, grid_unit_code"));
        }

        foreach (var path in updateMask.Where(p => !UpdatableFields.Contains(p)))
        {
            violations.Add(new FieldViolation("update_mask", $"'{path}' cannot be updated; only phone, address and grid_unit_code can"));
        }

        string? newPhone = null;
        if (updateMask.Contains("phone"))
        {
            if (MobilePhone.TryNormalize(phone, out var normalized, out var error))
            {
                newPhone = normalized;
            }
            else
            {
                violations.Add(new FieldViolation("phone", error));
            }
        }

        string? newAddress = null;
        if (updateMask.Contains("address"))
        {
            if (TryNormalizeAddress(address, out var normalized, out var error))
            {
                newAddress = normalized;
            }
            else
            {
                violations.Add(new FieldViolation("address", error));
            }
        }

        string? newUnit = null;
        if (updateMask.Contains("grid_unit_code"))
        {
            if (GridUnitCode.IsValid(gridUnitCode))
            {
                newUnit = gridUnitCode;
            }
            else
            {
                violations.Add(new FieldViolation("grid_unit_code", GridUnitCode.FormatDescription));
            }
        }

        if (violations.Count == 0)
        {
            change = new CitizenChange(newPhone, newAddress, string.IsNullOrEmpty(etag) ? null : etag, newUnit);
        }

        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateCitizenId(string? citizenId)
    {
        var violations = new List<FieldViolation>();
        CheckCitizenId(citizenId, violations);
        return violations;
    }

    private static void CheckCitizenId(string? citizenId, List<FieldViolation> violations)
    {
        if (string.IsNullOrEmpty(citizenId))
        {
            violations.Add(new FieldViolation("citizen_id", "is required"));
        }
        else if (!CitizenIds.IsWellFormed(citizenId))
        {
            violations.Add(new FieldViolation("citizen_id", "is not a citizen id (32 lower-case hex characters)"));
        }
    }

    private static bool TryNormalizeAddress(string? input, out string address, out string error)
    {
        address = (input ?? string.Empty).Normalize(NormalizationForm.FormC).Trim();
        if (address.Length == 0)
        {
            error = "is required";
            return false;
        }

        if (address.Any(char.IsControl))
        {
            error = "may not contain control characters or line breaks";
            return false;
        }

        var length = new StringInfo(address).LengthInTextElements;
        if (length > MaxAddressLength)
        {
            error = $"must be at most {MaxAddressLength} characters, not {length}";
            return false;
        }

        error = string.Empty;
        return true;
    }
}

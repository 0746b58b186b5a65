using Backbone.Grains.Abstractions.Enterprises;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Cases;
using Backbone.Grains.Citizens;
using Backbone.Grains.Grid;

namespace Backbone.Silo.Enterprises;

/// <summary>Every rule an enterprise request passes before anything is written, all broken ones reported at once.</summary>
public static class EnterpriseRules
{
    public const int MaxAgents = 10;
    public static readonly IReadOnlySet<string> UpdatableFields =
        new HashSet<string>(StringComparer.Ordinal) { "name", "address", "legal_representative_id", "agent_citizen_ids", "grid_unit_code" };

    public static IReadOnlyList<FieldViolation> ValidateCode(string? code, string field = "credit_code") =>
        CreditCode.Problem(code) is { } problem ? [new FieldViolation(field, problem)] : [];

    public static IReadOnlyList<FieldViolation> ValidateRegistration(
        string creditCode, string name, string address, string legalRepresentativeId, IReadOnlyList<string> agentIds, string gridCode, GridSeed grid,
        out NewEnterprise? enterprise)
    {
        var violations = new List<FieldViolation>(ValidateCode(creditCode));
        violations.AddRange(ValidateName(name));
        violations.AddRange(ValidateAddress(address));
        violations.AddRange(ValidatePeople(legalRepresentativeId, agentIds));
        violations.AddRange(ValidateGrid(gridCode, grid));
        enterprise = violations.Count == 0
            ? new NewEnterprise(CaseRules.Text(name), CaseRules.Text(address), legalRepresentativeId, [.. agentIds.Distinct()], gridCode)
            : null;
        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateChange(
        IReadOnlyCollection<string> mask, string name, string address, string legalRepresentativeId, IReadOnlyList<string> agentIds, string gridCode,
        string etag, GridSeed grid, out EnterpriseChange? change)
    {
        var violations = new List<FieldViolation>();
        if (mask.Count == 0)
        {
            violations.Add(new FieldViolation("update_mask", $"must name at least one of: {string.Join(", ", UpdatableFields)}"));
        }

        violations.AddRange(mask.Where(p => !UpdatableFields.Contains(p))
            .Select(p => new FieldViolation("update_mask", $"cannot change '{p}'; changeable: {string.Join(", ", UpdatableFields)}")));
        if (mask.Contains("name"))
        {
            violations.AddRange(ValidateName(name));
        }

        if (mask.Contains("address"))
        {
            violations.AddRange(ValidateAddress(address));
        }

        if (mask.Contains("legal_representative_id") || mask.Contains("agent_citizen_ids"))
        {
            violations.AddRange(ValidatePeople(mask.Contains("legal_representative_id") ? legalRepresentativeId : null, mask.Contains("agent_citizen_ids") ? agentIds : []));
        }

        if (mask.Contains("grid_unit_code"))
        {
            violations.AddRange(ValidateGrid(gridCode, grid));
        }

        change = violations.Count == 0
            ? new EnterpriseChange(
                mask.Contains("name") ? CaseRules.Text(name) : null,
                mask.Contains("address") ? CaseRules.Text(address) : null,
                mask.Contains("legal_representative_id") ? legalRepresentativeId : null,
                mask.Contains("agent_citizen_ids") ? [.. agentIds.Distinct()] : null,
                etag.Length > 0 ? etag : null,
                mask.Contains("grid_unit_code") ? gridCode : null)
            : null;
        return violations;
    }

    private static IEnumerable<FieldViolation> ValidateName(string name)
    {
        var text = CaseRules.Text(name);
        if (text.Length is < 2 or > 100 || text.Any(char.IsControl))
        {
            yield return new FieldViolation("name", "must be 2 to 100 characters without line breaks");
        }
    }

    private static IEnumerable<FieldViolation> ValidateAddress(string address)
    {
        var text = CaseRules.Text(address);
        if (text.Length is < 1 or > CaseRules.MaxAddressLength || text.Any(char.IsControl))
        {
            yield return new FieldViolation("address", $"must be 1 to {CaseRules.MaxAddressLength} characters without line breaks");
        }
    }

    private static IEnumerable<FieldViolation> ValidatePeople(string? legalRepresentativeId, IReadOnlyList<string> agentIds)
    {
        if (legalRepresentativeId is not null && CitizenRules.ValidateCitizenId(legalRepresentativeId).Count > 0)
        {
            yield return new FieldViolation("legal_representative_id", "is not a citizen id (32 lower-case hex characters)");
        }

        if (agentIds.Count > MaxAgents || agentIds.Any(a => CitizenRules.ValidateCitizenId(a).Count > 0))
        {
            yield return new FieldViolation("agent_citizen_ids", $"must be up to {MaxAgents} citizen ids");
        }
    }

    private static IEnumerable<FieldViolation> ValidateGrid(string gridCode, GridSeed grid)
    {
        if (grid.Find(gridCode) is not { Level: Grains.Abstractions.Grid.UnitLevel.Grid })
        {
            yield return new FieldViolation("grid_unit_code", "must be the code of a grid (15 digits) of the city");
        }
    }
}

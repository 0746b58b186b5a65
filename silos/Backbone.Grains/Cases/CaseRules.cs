using System.Globalization;
using System.Text;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;

namespace Backbone.Grains.Cases;

/// <summary>Every rule a case request passes before anything is written, all broken ones reported at once.</summary>
public static class CaseRules
{
    public const int MaxDescriptionLength = 2000;
    public const int MaxAddressLength = 200;
    public const int MaxNoteLength = 2000;
    public const int MaxAttachments = 9;
    public const int MaxAttachmentRefLength = 256;

    /// <summary>An appeal (category) or an application (service item, named in the field <paramref name="categoryField"/>).</summary>
    public static IReadOnlyList<FieldViolation> ValidateSubmission(
        CaseKind kind, string citizenId, string? requestId, string? category, string? description, double? latitude, double? longitude, string? address,
        IReadOnlyList<string> attachmentRefs, CaseCategories categories, GridSeed grid, out NewCase? appeal, string categoryField = "category")
    {
        var violations = new List<FieldViolation>();
        appeal = null;
        violations.AddRange(RequestIds.Validate(requestId));

        var rule = categories.Find(category ?? string.Empty) is { } found && found.Kind == kind ? found : null;
        if (rule is null)
        {
            violations.Add(new FieldViolation(categoryField, $"must be one of: {string.Join(", ", categories.OfKind(kind).Select(c => c.Code))}"));
        }

        var text = Text(description);
        if (!FitsLength(text, 1, MaxDescriptionLength))
        {
            violations.Add(new FieldViolation("description", $"must be 1 to {MaxDescriptionLength} characters"));
        }

        var place = Text(address);
        if (!FitsLength(place, 0, MaxAddressLength) || place.Any(char.IsControl))
        {
            violations.Add(new FieldViolation("address", $"must be up to {MaxAddressLength} characters without line breaks"));
        }

        violations.AddRange(ValidateAttachments(attachmentRefs));

        SeedUnit? located = null;
        if (latitude is null || longitude is null)
        {
            violations.Add(new FieldViolation("location", "is required"));
        }
        else
        {
            var bad = GridRules.ValidateLocation(latitude.Value, longitude.Value);
            violations.AddRange(bad);
            located = bad.Count == 0 ? grid.Locate(new GeoPoint(latitude.Value, longitude.Value)) : null;
            if (bad.Count == 0 && located is null)
            {
                violations.Add(new FieldViolation("location", "is outside the city: no grid covers it"));
            }
        }

        if (violations.Count == 0)
        {
            appeal = new NewCase(citizenId, rule!.Code, text, new GeoPoint(latitude!.Value, longitude!.Value), place, [.. attachmentRefs],
                located!.Code, CaseCategories.Route(rule, located.Code), rule.AcceptWithin, rule.ResolveWithin, rule.RateWithin, kind);
        }

        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateAttachments(IReadOnlyList<string> attachmentRefs, string field = "attachment_refs")
    {
        var violations = new List<FieldViolation>();
        if (attachmentRefs.Count > MaxAttachments)
        {
            violations.Add(new FieldViolation(field, $"must be at most {MaxAttachments}, not {attachmentRefs.Count}"));
        }

        if (attachmentRefs.Any(r => r.Length is 0 or > MaxAttachmentRefLength || r.Any(char.IsControl)))
        {
            violations.Add(new FieldViolation(field, $"each must be 1 to {MaxAttachmentRefLength} characters"));
        }

        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateCaseId(string? caseId) =>
        OpaqueIds.IsWellFormed(caseId) ? [] : [new FieldViolation("case_id", "is not a case id (32 lower-case hex characters)")];

    /// <summary>A note, reason or reply: <paramref name="required"/> ones must not be empty.</summary>
    public static IReadOnlyList<FieldViolation> ValidateNote(string? note, bool required, string field = "note", int max = MaxNoteLength)
    {
        var text = Text(note);
        return FitsLength(text, required ? 1 : 0, max)
            ? []
            : [new FieldViolation(field, required ? $"is required: 1 to {max} characters" : $"must be at most {max} characters")];
    }

    public static string Text(string? value) => (value ?? string.Empty).Normalize(NormalizationForm.FormC).Trim();

    private static bool FitsLength(string text, int min, int max)
    {
        var length = new StringInfo(text).LengthInTextElements;
        return length >= min && length <= max;
    }
}

using System.Globalization;
using Backbone.Grains.Abstractions.Circle;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Grid;

namespace Backbone.Grains.Circle;

public sealed record OpeningHoursDraft(IReadOnlyList<int> Days, string Opens, string Closes);

/// <summary>A facility as a caller (or the seed file) describes it, before it is checked.</summary>
public sealed record FacilityDraft(
    string Id, string Name, string Category, GeoPoint? Location, string Address,
    IReadOnlyList<OpeningHoursDraft> Hours, bool AllHours, int Capacity);

/// <summary>The rules facilities and searches pass before anything is read or written; every broken one is reported at once.</summary>
public static class CircleRules
{
    public const int MaxIdLength = 64;
    public const int MaxNameLength = 100;
    public const int MaxAddressLength = 200;
    public const int MaxOpeningPeriods = 14;
    public const int MaxCapacity = 1_000_000;
    public const int MaxMinutes = 60;
    public const int DefaultMinutes = 15;

    public static IReadOnlyList<FieldViolation> ValidateId(string? id, string field = "facility_id") =>
        string.IsNullOrEmpty(id) ? [new FieldViolation(field, "is required")]
        : id.Length > MaxIdLength || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')
            ? [new FieldViolation(field, $"must be 1 to {MaxIdLength} characters of a-z, 0-9, '-', '_' or '.'")]
            : [];

    /// <summary>Checks a facility; a valid one comes back with its grid derived from its location.</summary>
    public static (Facility? Facility, IReadOnlyList<FieldViolation> Violations) Validate(FacilityDraft draft, GridSeed grid, string prefix = "facility")
    {
        var violations = new List<FieldViolation>(ValidateId(draft.Id, $"{prefix}.facility_id"));
        var name = draft.Name.Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            violations.Add(new FieldViolation($"{prefix}.name", $"must be 1 to {MaxNameLength} characters"));
        }

        if (FacilityCategories.Find(draft.Category) is null)
        {
            violations.Add(new FieldViolation($"{prefix}.category", $"must be one of: {string.Join(", ", FacilityCategories.All.Select(c => c.Code))}"));
        }

        SeedUnit? gridUnit = null;
        if (draft.Location is not { } location)
        {
            violations.Add(new FieldViolation($"{prefix}.location", "is required"));
        }
        else if (GridRules.ValidateLocation(location.Latitude, location.Longitude, $"{prefix}.location") is { Count: > 0 } outOfRange)
        {
            violations.AddRange(outOfRange);
        }
        else if ((gridUnit = grid.Locate(location)) is null)
        {
            violations.Add(new FieldViolation($"{prefix}.location", "lies in no grid of the city"));
        }

        if (draft.Address.Length > MaxAddressLength)
        {
            violations.Add(new FieldViolation($"{prefix}.address", $"must be at most {MaxAddressLength} characters"));
        }

        var periods = new List<OpeningPeriod>();
        if (draft.Hours.Count > MaxOpeningPeriods)
        {
            violations.Add(new FieldViolation($"{prefix}.opening_hours", $"must have at most {MaxOpeningPeriods} periods"));
        }

        for (var i = 0; i < draft.Hours.Count && i < MaxOpeningPeriods; i++)
        {
            var field = $"{prefix}.opening_hours[{i}]";
            var hours = draft.Hours[i];
            var days = 0;
            if (hours.Days.Count == 0 || hours.Days.Any(d => d is < 1 or > 7))
            {
                violations.Add(new FieldViolation($"{field}.days", "must list weekdays 1 (Monday) to 7 (Sunday)"));
            }
            else
            {
                days = hours.Days.Aggregate(0, (mask, d) => mask | (1 << (d - 1)));
            }

            var opens = MinuteOfDay(hours.Opens, allowEndOfDay: false);
            var closes = MinuteOfDay(hours.Closes, allowEndOfDay: true);
            if (opens is null)
            {
                violations.Add(new FieldViolation($"{field}.opens", "must be a time \"HH:MM\" from 00:00 to 23:59"));
            }

            if (closes is null || closes == opens)
            {
                violations.Add(new FieldViolation($"{field}.closes", "must be a time \"HH:MM\" from 00:01 to 24:00, not the opening time"));
            }

            if (days != 0 && opens is { } o && closes is { } c && o != c)
            {
                periods.Add(new OpeningPeriod(days, o, c));
            }
        }

        if (draft.Capacity is < 0 or > MaxCapacity)
        {
            violations.Add(new FieldViolation($"{prefix}.capacity", $"must be 0 to {MaxCapacity}"));
        }

        return violations.Count > 0
            ? (null, violations)
            : (new Facility(draft.Id, name, draft.Category, draft.Location!.Value, draft.Address.Trim(), periods, draft.AllHours,
                draft.Capacity, gridUnit!.Code, default), []);
    }

    /// <summary>Checks where and how far a search (or a coverage analysis) looks.</summary>
    public static IReadOnlyList<FieldViolation> ValidateSearch(GeoPoint? location, int minutes, IReadOnlyList<string> categories, int pageSize, GridSeed grid)
    {
        var violations = new List<FieldViolation>();
        if (location is not { } point)
        {
            violations.Add(new FieldViolation("location", "is required"));
        }
        else if (GridRules.ValidateLocation(point.Latitude, point.Longitude) is { Count: > 0 } outOfRange)
        {
            violations.AddRange(outOfRange);
        }
        else if (!grid.Bounds.Contains(point))
        {
            violations.Add(new FieldViolation("location", "lies outside the city"));
        }

        violations.AddRange(ValidateMinutes(minutes));
        violations.AddRange(categories.Select((c, i) => (c, i)).Where(x => FacilityCategories.Find(x.c) is null)
            .Select(x => new FieldViolation($"categories[{x.i}]", $"'{x.c}' is not a category (ListFacilityCategories)")));
        violations.AddRange(PageSizes.Validate(pageSize));
        return violations;
    }

    public static IReadOnlyList<FieldViolation> ValidateMinutes(int minutes) =>
        minutes is < 0 or > MaxMinutes ? [new FieldViolation("minutes", $"must be 1 to {MaxMinutes} (0 for {DefaultMinutes})")] : [];

    private static int? MinuteOfDay(string text, bool allowEndOfDay)
    {
        if (text.Length != 5 || text[2] != ':'
            || !int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
            || minute > 59)
        {
            return null;
        }

        var value = (hour * 60) + minute;
        return value < OpeningPeriod.MinutesPerDay || (allowEndOfDay && value == OpeningPeriod.MinutesPerDay) ? value : null;
    }

    /// <summary>"HH:MM" of minutes after midnight (24:00 for the end of the day).</summary>
    public static string FormatMinute(int minuteOfDay) => $"{minuteOfDay / 60:D2}:{minuteOfDay % 60:D2}";
}

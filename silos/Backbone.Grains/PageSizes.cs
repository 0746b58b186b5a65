using Backbone.Grains.Abstractions.Errors;

namespace Backbone.Grains;

/// <summary>How many items a page of any listing holds: 1 to <see cref="Max"/>, 0 asking for <see cref="Default"/>.</summary>
public static class PageSizes
{
    public const int Default = 20;
    public const int Max = 100;

    public static IReadOnlyList<FieldViolation> Validate(int pageSize) =>
        pageSize is < 0 or > Max ? [new FieldViolation("page_size", $"must be 1 to {Max} (0 for {Default})")] : [];

    public static int Of(int requested) => requested == 0 ? Default : requested;
}

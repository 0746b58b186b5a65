namespace Backbone.Grains.Abstractions.Circle;

public sealed record FacilityCategory(string Code, string Name, string EnglishName);

/// <summary>The fixed list of what a 15-minute circle must hold (the national guideline's daily-life services).</summary>
public static class FacilityCategories
{
    public static readonly IReadOnlyList<FacilityCategory> All =
    [
        new("clinic", "社区卫生服务", "Community clinic"),
        new("elderly_care", "养老服务", "Elderly care"),
        new("kindergarten", "幼儿园", "Kindergarten"),
        new("school", "中小学", "Primary or middle school"),
        new("market", "菜市场", "Fresh food market"),
        new("sports", "体育健身", "Sports and fitness"),
        new("culture", "文化活动", "Culture and library"),
        new("community_service", "社区综合服务", "Community service centre"),
    ];

    private static readonly Dictionary<string, FacilityCategory> ByCode = All.ToDictionary(c => c.Code, StringComparer.Ordinal);

    public static FacilityCategory? Find(string code) => ByCode.GetValueOrDefault(code);
}

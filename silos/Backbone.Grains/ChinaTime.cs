namespace Backbone.Grains;

/// <summary>China Standard Time (UTC+8, no daylight saving): the calendar every date rule of the city uses.</summary>
public static class ChinaTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(Offset).DateTime);
}

namespace Backbone.Grains;

/// <summary>Server-assigned ids of citizens and cases: random, 32 lower-case hex characters, revealing nothing.</summary>
public static class OpaqueIds
{
    public static string New() => Guid.NewGuid().ToString("N");

    public static bool IsWellFormed(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

namespace Backbone.Grains.Citizens;

/// <summary>Citizen ids: random, opaque, 32 lower-case hex characters; they reveal nothing about the person.</summary>
public static class CitizenIds
{
    public static string New() => Guid.NewGuid().ToString("N");

    public static bool IsWellFormed(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

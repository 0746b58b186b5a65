namespace Backbone.Grains.Citizens;

/// <summary>Citizen ids: random, opaque, 32 lower-case hex characters; they reveal nothing about the person.</summary>
public static class CitizenIds
{
    public static string New() => OpaqueIds.New();

    public static bool IsWellFormed(string? id) => OpaqueIds.IsWellFormed(id);
}

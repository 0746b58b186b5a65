using System.Globalization;
using Backbone.Grains;
using Backbone.Grains.Abstractions.Errors;

namespace Backbone.Silo.Hosting;

/// <summary>
/// Paging of listings that run newest first (their sizes: <see cref="PageSizes"/>): a token naming the last
/// item of the page before (its time, then its opaque id), or, in a list only ever appended to, that item's
/// position; so items that arrive meanwhile neither repeat nor hide one.
/// </summary>
public static class PageTokens
{
    /// <summary>A token for the items before <paramref name="position"/> in an append-only list (positions count from its first item, 0).</summary>
    public static string Before(int position) => string.Create(CultureInfo.InvariantCulture, $"o{position}");

    /// <summary>The position a <see cref="Before"/> token names: null for the first page (no token), and a violation of <c>page_token</c> when it is not one.</summary>
    public static int? ReadPosition(string token, ICollection<FieldViolation> violations)
    {
        if (token.Length == 0)
        {
            return null;
        }

        if (token.StartsWith('o') && int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return position;
        }

        violations.Add(new FieldViolation("page_token", "is not a token this RPC gave"));
        return null;
    }

    public static string After(DateTimeOffset time, string id) => $"{time.UtcTicks}.{id}";

    /// <summary>The time and id a token names: null for the first page (no token), and a violation of <c>page_token</c> when it is not a token this service gave.</summary>
    public static (DateTimeOffset Time, string Id)? Read(string token, ICollection<FieldViolation> violations)
    {
        if (token.Length == 0)
        {
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks || !OpaqueIds.IsWellFormed(parts[1]))
        {
            violations.Add(new FieldViolation("page_token", "is not a token this RPC gave"));
            return null;
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]);
    }
}

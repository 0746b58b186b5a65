using System.Globalization;
using Backbone.Grains;
using Backbone.Grains.Abstractions.Errors;

namespace Backbone.Silo.Hosting;

/// <summary>
/// Paging of listings that run newest first (their sizes: <see cref="PageSizes"/>): a token naming the last
/// item of the page before (its time, then its opaque id), so items that arrive meanwhile neither repeat nor hide one.
/// </summary>
public static class PageTokens
{
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

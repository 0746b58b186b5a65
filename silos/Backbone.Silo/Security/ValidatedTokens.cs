using System.Collections.Concurrent;

namespace Backbone.Silo.Security;

/// <summary>
/// Callers of access tokens already validated, so a token used for many calls is checked (RSA signature,
/// claims) once. An entry is served until the token's own expiry, and never longer than
/// <see cref="MaxAge"/>, so a change of the provider's keys reaches every token within that time.
/// </summary>
public sealed class ValidatedTokens(TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>Bound on memory: at this many entries the cache starts over (a token is ~1 KB).</summary>
    private const int Capacity = 50_000;

    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string authorization, out Caller? caller)
    {
        if (_entries.TryGetValue(authorization, out var entry))
        {
            if (clock.GetUtcNow() < entry.Until)
            {
                caller = entry.Caller;
                return true;
            }

            _entries.TryRemove(authorization, out _);
        }

        caller = null;
        return false;
    }

    public void Add(string authorization, Caller caller, DateTimeOffset expires)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        var now = clock.GetUtcNow();
        _entries[authorization] = (caller, expires < now + MaxAge ? expires : now + MaxAge);
    }
}

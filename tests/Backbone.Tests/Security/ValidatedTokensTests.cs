using Backbone.Silo.Security;

namespace Backbone.Tests.Security;

public sealed class ValidatedTokensTests
{
    private static readonly Caller Partner = new("app", "partner", "partner", new HashSet<string> { "citizen.profile" }, null, null);

    [Fact]
    public void A_token_is_served_until_it_expires()
    {
        var clock = new ManualClock();
        var cache = new ValidatedTokens(clock);
        cache.Add("Bearer a", Partner, clock.GetUtcNow().AddSeconds(60));

        var fresh = cache.TryGet("Bearer a", out var caller);
        clock.Advance(TimeSpan.FromSeconds(61));
        var expired = cache.TryGet("Bearer a", out _);

        Assert.True(fresh);
        Assert.Equal(Partner, caller);
        Assert.False(expired);
    }

    [Fact]
    public void A_long_lived_token_is_checked_again_after_the_maximum_age()
    {
        var clock = new ManualClock();
        var cache = new ValidatedTokens(clock);
        cache.Add("Bearer a", Partner, clock.GetUtcNow().AddHours(1));

        clock.Advance(ValidatedTokens.MaxAge + TimeSpan.FromSeconds(1));

        Assert.False(cache.TryGet("Bearer a", out _));
        Assert.False(cache.TryGet("Bearer b", out _));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 27, 8, 0, 0, TimeSpan.FromHours(8));

        public override DateTimeOffset GetUtcNow() => _now.ToUniversalTime();

        public void Advance(TimeSpan by) => _now += by;
    }
}

namespace Backbone.Tests.Support;

public static class Eventually
{
    /// <summary>Tries until the answer is not null (configuration reloads take a moment); fails after 20 seconds.</summary>
    public static async Task<T> Get<T>(Func<Task<T?>> attempt, string because = "The switch never took effect.")
        where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await attempt() is { } done)
            {
                return done;
            }

            Assert.False(timeout.IsCancellationRequested, because);
            await Task.Delay(200);
        }
    }
}

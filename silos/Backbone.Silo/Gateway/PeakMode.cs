using Backbone.Silo.Errors;
using Backbone.Silo.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Backbone.Silo.Gateway;

/// <summary>
/// Peak mode: while on, deferrable calls (listings, statistics, feeds) are refused at once with
/// UNAVAILABLE and a retry hint, so essential ones (citizen reads, submissions) keep their latency. On
/// when ops switch it on (reloaded settings), or by itself once more calls than the configured number
/// are in flight, and then for at least <c>AutoHoldFor</c> after the last time they were (so it does
/// not flap call by call); every change is logged.
/// </summary>
public sealed partial class PeakMode(IOptionsMonitor<BackboneOptions.PeakModeSettings> settings, TimeProvider clock, ILogger<PeakMode> logger)
{
    private int _inFlight;
    private int _on; // 0 off, 1 on: read and changed atomically so each change is logged once
    private long _autoUntil; // timestamp until which the automatic trigger holds peak mode on

    public bool IsOn => ShouldBeOn(settings.CurrentValue, clock.GetTimestamp());

    public int CallsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>Counts the call in (dispose when it ends) and refuses it when it is deferrable and peak mode is on.</summary>
    public IDisposable Admit(string method, bool deferrable)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        var current = settings.CurrentValue;
        var now = clock.GetTimestamp();
        if (current.AutoAboveConcurrentCalls > 0 && inFlight > current.AutoAboveConcurrentCalls)
        {
            Volatile.Write(ref _autoUntil, now + (long)(current.AutoHoldFor.TotalSeconds * clock.TimestampFrequency));
        }

        var on = ShouldBeOn(current, now);
        if (Interlocked.Exchange(ref _on, on ? 1 : 0) != (on ? 1 : 0))
        {
            LogChanged(logger, on ? "on" : "off", current.Enabled ? "switched by configuration" : $"{inFlight} calls in flight");
        }

        var call = new InFlight(this);
        if (on && deferrable)
        {
            call.Dispose();
            throw ErrorMappingInterceptor.Retryable(StatusCode.Unavailable,
                $"Peak mode: {method} can wait and is refused for now, so essential calls keep working. Retry in a few seconds.",
                TimeSpan.FromSeconds(5));
        }

        return call;
    }

    private bool ShouldBeOn(BackboneOptions.PeakModeSettings current, long now) =>
        current.Enabled || (current.AutoAboveConcurrentCalls > 0 && now < Volatile.Read(ref _autoUntil));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peak mode turned {State} ({Reason})")]
    private static partial void LogChanged(ILogger logger, string state, string reason);

    private sealed class InFlight(PeakMode mode) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref mode._inFlight);
            }
        }
    }
}

using System.Collections.Frozen;
using Backbone.Silo.Errors;
using Backbone.Silo.Hosting;
using Google.Protobuf;
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
            throw ErrorMappingInterceptor.ComeBackLater(Refusal(method));
        }

        return call;
    }

    /// <summary>What a deferrable call is answered in peak mode: UNAVAILABLE, and when to retry.</summary>
    public static Google.Rpc.Status Refusal(string method) => ErrorMappingInterceptor.RetryableStatus(StatusCode.Unavailable,
        $"Peak mode: {method} can wait and is refused for now, so essential calls keep working. Retry in a few seconds.", RetryAfter);

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

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

/// <summary>
/// The cheap way to refuse: a deferrable call is answered in peak mode before the gRPC pipeline, with an answer
/// made once per method at start (no message parsed, no token checked, no exception thrown). A refusal then costs
/// less than a health check, which matters because in a flood most calls are refusals. It is the answer
/// <see cref="ErrorMappingInterceptor.ComeBackLater"/> gives (pushback included), and is counted in /metrics as
/// that one is. Native gRPC calls are refused before routing, from their path alone; JSON and gRPC-Web calls, as
/// mini-programs and pages make them, once routed and given their CORS headers (<see cref="UseWebPeakModeRefusal"/>).
/// <see cref="Security.CallerAuthorizationInterceptor"/> refuses whatever reaches it while peak mode comes on.
/// </summary>
public static class PeakModeRefusal
{
    private static readonly FrozenDictionary<string, (string Message, string Details, string Json)> ByPath =
        Security.RpcPermissions.ByMethod.Where(p => p.Value.IsDeferrable).ToFrozenDictionary(
            p => p.Key,
            p =>
            {
                var status = PeakMode.Refusal(p.Key);
                return (Uri.EscapeDataString(status.Message), Convert.ToBase64String(status.ToByteArray()), JsonStatus.Format(status));
            },
            StringComparer.Ordinal);

    private static readonly string RetryAfterSeconds = ((int)PeakMode.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static IApplicationBuilder UsePeakModeRefusal(this IApplicationBuilder app)
    {
        var peak = app.ApplicationServices.GetRequiredService<PeakMode>();
        var metrics = app.ApplicationServices.GetRequiredService<Metrics.RpcMetrics>();
        return app.Use((http, next) =>
        {
            if (http.Request.Path.Value is not { } path || !ByPath.TryGetValue(path, out var refusal)
                || !IsNativeGrpc(http.Request.ContentType) || !peak.IsOn)
            {
                return next(http);
            }

            return RefuseAsync(http, path, refusal, "application/grpc", metrics);
        });
    }

    /// <summary>
    /// JSON gateway calls (a 503 with the JSON status and <c>Retry-After</c>, as <see cref="JsonRetryAfter"/> gives them) and
    /// gRPC-Web calls; after routing and CORS, so a page's script may read the answer.
    /// </summary>
    public static IApplicationBuilder UseWebPeakModeRefusal(this IApplicationBuilder app)
    {
        var peak = app.ApplicationServices.GetRequiredService<PeakMode>();
        var metrics = app.ApplicationServices.GetRequiredService<Metrics.RpcMetrics>();
        return app.Use((http, next) =>
        {
            if (!peak.IsOn)
            {
                return next(http);
            }

            if (http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>() is { } json)
            {
                var method = $"/{json.MethodDescriptor.Service.FullName}/{json.MethodDescriptor.Name}";
                return ByPath.TryGetValue(method, out var refusal) ? RefuseJsonAsync(http, method, refusal.Json, metrics) : next(http);
            }

            return GatewayRequests.IsGrpcWeb(http.Request) && http.Request.Path.Value is { } path && ByPath.TryGetValue(path, out var webRefusal)
                ? RefuseAsync(http, path, webRefusal, GatewayRequests.IsGrpcWebText(http.Request) ? GatewayRequests.GrpcWebTextContentType : GatewayRequests.GrpcWebContentType, metrics)
                : next(http);
        });
    }

    private static async Task RefuseJsonAsync(HttpContext http, string method, string json, Metrics.RpcMetrics metrics)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.RetryAfter = RetryAfterSeconds;
        await http.Response.WriteAsync(json);
        metrics.Record(method, StatusCode.Unavailable, 0);
    }

    private static async Task RefuseAsync(HttpContext http, string path, (string Message, string Details, string Json) refusal, string contentType, Metrics.RpcMetrics metrics)
    {
        // The request is read to its end first, as the gRPC pipeline would: a stream left unread is
        // reset by the server, and Kestrel takes a flood of resets for an attack and closes the
        // connection (ENHANCE_YOUR_CALM), failing the essential calls that share it.
        var body = http.Request.BodyReader;
        while (true)
        {
            var read = await body.ReadAsync(http.RequestAborted);
            body.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        var response = http.Response;
        response.ContentType = contentType;
        response.Headers["grpc-status"] = "14"; // UNAVAILABLE
        response.Headers["grpc-message"] = refusal.Message;
        response.Headers["grpc-status-details-bin"] = refusal.Details;
        response.Headers[ErrorMappingInterceptor.RetryPushbackTrailer] = "-1";
        metrics.Record(path, StatusCode.Unavailable, 0);
    }

    private static bool IsNativeGrpc(string? contentType) =>
        contentType is not null && (contentType.Equals("application/grpc", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/grpc+", StringComparison.OrdinalIgnoreCase));
}

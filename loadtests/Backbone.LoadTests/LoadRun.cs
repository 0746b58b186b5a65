using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Backbone.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Health.V1;
using Grpc.Net.Client;
using HdrHistogram;

namespace Backbone.LoadTests;

/// <summary>
/// Measures RPCs of a running backbone, all in one run so that ratios compare like with like:
/// each scenario first at its peak (closed model: a fixed number of calls always in flight), then at
/// half that rate (open model: calls sent on a fixed schedule, latency counted from when each call
/// was due, so a slow server cannot hide its delay by slowing the sender).
/// </summary>
public static class LoadRun
{
    public static async Task<int> MainAsync(string[] args)
    {
        var options = Options.Parse(args);
        var token = await FetchTokenAsync(options);
        using var channels = new ChannelPool(options.Target, options.Connections, token);
        var scenarios = Scenarios.Named(options.Scenarios, channels);
        var flood = options.Flood.Length > 0 ? Scenarios.Named([options.Flood], channels)[0] : null;

        var report = new Report(options.ReportFile);
        report.Line($"# Load run against {options.Target}: {options.Connections} connections, {options.InFlight} calls in flight, {options.Duration.TotalSeconds:0} s per phase");
        report.Line();
        report.Line("| scenario | phase | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | runner CPU |");
        report.Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        var broken = new List<string>();
        var phases = new List<(string Scenario, string Phase, Result Result)>();
        void Measured(string scenario, string phase, Result result, bool judged)
        {
            phases.Add((scenario, phase, result));
            report.Line(Row(scenario, phase, result));
            if (judged)
            {
                broken.AddRange(options.Thresholds.BrokenBy(result).Select(why => $"{scenario} {phase}: {why}"));
            }
        }

        var peaks = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var scenario in scenarios)
        {
            await RunClosedAsync(scenario, "warm-up", options.InFlight, TimeSpan.FromSeconds(3)); // activations, JIT, connections
            var peak = await RunClosedAsync(scenario, "peak (closed)", options.InFlight, options.Duration);
            peaks[scenario.Name] = peak.Rate;
            Measured(scenario.Name, "peak (closed)", peak, judged: false); // a peak is saturation by design
            foreach (var rate in options.Rates.Count > 0 ? options.Rates : [peak.Rate / 2])
            {
                var scheduled = $"{rate:0}/s (open)";
                Measured(scenario.Name, scheduled, await RunOpenAsync(scenario, scheduled, rate, options.Duration), judged: true);
                if (flood is not null)
                {
                    // The same schedule while a flood of other calls competes (peak mode should refuse them fast).
                    var flooding = RunClosedAsync(flood, "flood (closed)", options.InFlight, options.Duration);
                    var flooded = $"{scheduled} + {flood.Name} flood";
                    Measured(scenario.Name, flooded, await RunOpenAsync(scenario, flooded, rate, options.Duration), judged: true);
                    Measured(flood.Name, "flood (closed)", await flooding, judged: false);
                }
            }
        }

        if (peaks.TryGetValue("health", out var baseline))
        {
            report.Line();
            foreach (var (name, rate) in peaks.Where(p => p.Key != "health"))
            {
                report.Line($"{name}: {rate / baseline:0.00} of the bare gRPC health-check baseline");
            }
        }

        report.Line();
        report.Line(broken.Count == 0
            ? $"Thresholds held ({options.Thresholds})."
            : $"THRESHOLDS BROKEN ({options.Thresholds}):\n- {string.Join("\n- ", broken)}");
        await report.SaveAsync();
        if (options.HtmlFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.HtmlFile, HtmlReport.Render(report.Text, phases));
        }

        return broken.Count == 0 ? 0 : 1; // a pipeline gates on this
    }

    private static string Row(string scenario, string phase, Result result)
    {
        static string Ms(long ticks) => Milliseconds(ticks).ToString("0.00", CultureInfo.InvariantCulture);
        var h = result.Latency;
        var errors = result.Errors.Count == 0 ? "0" : string.Join(", ", result.Errors.Select(e => $"{e.Key} {e.Value}"));
        return $"| {scenario} | {phase} | {result.Rate:0} | {Ms(h.GetValueAtPercentile(50))} | {Ms(h.GetValueAtPercentile(90))} | " +
            $"{Ms(h.GetValueAtPercentile(99))} | {Ms(h.GetValueAtPercentile(99.9))} | {Ms(h.GetMaxValue())} | {errors} | {result.RunnerCpu:P0} |";
    }

    /// <summary>Closed model: <paramref name="inFlight"/> callers, each sending its next call when the last one answered.</summary>
    private static async Task<Result> RunClosedAsync(Scenario scenario, string phase, int inFlight, TimeSpan duration)
    {
        var result = new Result($"{scenario.Name} {phase}");
        var end = result.Start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async caller =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                await CallAsync(scenario, result, Stopwatch.GetTimestamp());
            }
        }));
        result.Finish();
        return result;
    }

    /// <summary>Open model: calls due at a fixed rate, whether or not earlier ones answered; latency from when each was due.</summary>
    private static async Task<Result> RunOpenAsync(Scenario scenario, string phase, double rate, TimeSpan duration)
    {
        var result = new Result($"{scenario.Name} {phase}");
        var total = (long)(rate * duration.TotalSeconds);
        long Due(long call) => result.Start + (long)(call / rate * Stopwatch.Frequency);
        var pending = new List<Task>();
        long sent = 0;
        while (sent < total)
        {
            // Every call due by now goes out now, each from the thread pool (one sending thread would
            // become the limit); then a millisecond's pause (timers are not finer).
            var now = Stopwatch.GetTimestamp();
            for (var due = Due(sent); sent < total && due <= now; due = Due(++sent))
            {
                var dueAt = due;
                pending.Add(Task.Run(() => CallAsync(scenario, result, dueAt)));
            }

            if (pending.Count > 8192)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(pending);
        result.Finish();
        return result;
    }

    private static async Task CallAsync(Scenario scenario, Result result, long due)
    {
        try
        {
            await scenario.Call();
            result.Record(Stopwatch.GetTimestamp() - due, null);
        }
        catch (RpcException e)
        {
            result.Record(Stopwatch.GetTimestamp() - due, e.StatusCode);
        }
    }

    private static async Task<string> FetchTokenAsync(Options options)
    {
        using var http = new HttpClient();
        var answer = await http.PostAsync(new Uri(options.Authority, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = options.ClientId,
            ["client_secret"] = options.ClientSecret,
        }));
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        return answer.IsSuccessStatusCode
            ? body.GetProperty("access_token").GetString()!
            : throw new InvalidOperationException($"No token from {options.Authority}: {body}");
    }

    /// <summary>The Markdown summary: printed as it grows, and saved to a file when one is named.</summary>
    private sealed class Report(string file)
    {
        private readonly System.Text.StringBuilder _text = new();

        public void Line(string line = "")
        {
            Console.WriteLine(line);
            _text.AppendLine(line);
        }

        public string Text => _text.ToString();

        public Task SaveAsync() => file.Length == 0 ? Task.CompletedTask : File.WriteAllTextAsync(file, Text);
    }

    internal sealed class Result
    {
        private readonly Lock _gate = new();
        private readonly TimeSpan _cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        private readonly string _label;
        private readonly Timer _progress;
        private long _count;
        private long _elapsed;
        private int _printed;

        /// <param name="label">Names the phase in the live progress line (on standard error, once a second).</param>
        public Result(string label)
        {
            _label = label;
            _progress = new Timer(_ => PrintProgress(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        public long Start { get; } = Stopwatch.GetTimestamp();

        /// <summary>Calls that ended in each second of the phase, with their latencies: the report's plots over time.</summary>
        public List<Second> Seconds { get; } = [];

        /// <summary>The runner's own CPU time over the phase, as a share of all the machine's cores: it competes with a server on the same machine.</summary>
        public double RunnerCpu { get; private set; }

        public LongHistogram Latency { get; } = new(Stopwatch.Frequency * 60, 3);

        public Dictionary<StatusCode, long> Errors { get; } = [];

        public double Rate => _count / (_elapsed / (double)Stopwatch.Frequency);

        public void Record(long ticks, StatusCode? error)
        {
            var second = (int)((Stopwatch.GetTimestamp() - Start) / Stopwatch.Frequency);
            lock (_gate)
            {
                Latency.RecordValue(Math.Max(1, ticks));
                _count++;
                while (Seconds.Count <= second)
                {
                    Seconds.Add(new Second());
                }

                Seconds[second].Latency.RecordValue(Math.Max(1, ticks));
                if (error is { } code)
                {
                    Errors[code] = Errors.GetValueOrDefault(code) + 1;
                    Seconds[second].Errors++;
                }
            }
        }

        public void Finish()
        {
            _progress.Dispose();
            _elapsed = Stopwatch.GetTimestamp() - Start;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtStart;
            RunnerCpu = cpu.TotalSeconds / (_elapsed / (double)Stopwatch.Frequency) / Environment.ProcessorCount;
        }

        private void PrintProgress()
        {
            lock (_gate)
            {
                if (Seconds.Count < 2 || Seconds.Count - 1 == _printed)
                {
                    return;
                }

                _printed = Seconds.Count - 1;
                var last = Seconds[^2]; // the last whole second
                Console.Error.WriteLine(
                    $"  {_label}: {Seconds.Count - 1} s, {last.Latency.TotalCount} calls/s, p99 {Milliseconds(last.Latency.GetValueAtPercentile(99)):0.0} ms, {last.Errors} errors");
            }
        }
    }

    internal sealed class Second
    {
        public LongHistogram Latency { get; } = new(Stopwatch.Frequency * 60, 2);

        public long Errors { get; set; }
    }

    internal static double Milliseconds(long ticks) => ticks / (double)Stopwatch.Frequency * 1000;
}

/// <summary>A named RPC; each call draws its own arguments.</summary>
public sealed record Scenario(string Name, Func<Task> Call);

public static class Scenarios
{
    // The sample city's box (seeds/grid-5101.json).
    private const double South = 30.58, North = 30.74, West = 103.98, East = 104.18;

    public static IReadOnlyList<Scenario> Named(IEnumerable<string> names, ChannelPool channels) => [.. names.Select(name => name switch
    {
        // The bare gRPC ceiling on this machine: the standard health check, no token, no grain.
        "health" => new Scenario(name, async () => await new Health.HealthClient(channels.Next()).CheckAsync(new HealthCheckRequest())),
        // An essential read (peak mode never defers it): one facility by id.
        "facility" => new Scenario(name, async () => await new ServiceCircleService.ServiceCircleServiceClient(channels.Next()).GetFacilityAsync(
            new GetFacilityRequest { FacilityId = $"clinic-{Random.Shared.Next(1, 351):D4}" })),
        // A resident's "what is near me": a random point of the city, on foot, 15 minutes (deferrable).
        "nearby" => new Scenario(name, async () => await new ServiceCircleService.ServiceCircleServiceClient(channels.Next()).FindNearbyAsync(
            new FindNearbyRequest
            {
                Location = new LatLng
                {
                    Latitude = South + (Random.Shared.NextDouble() * (North - South)),
                    Longitude = West + (Random.Shared.NextDouble() * (East - West)),
                },
            })),
        _ => throw new ArgumentException($"Unknown scenario '{name}' (health, facility, nearby)."),
    })];
}

/// <summary>A few HTTP/2 connections, each carrying many calls, with the bearer token on every call.</summary>
public sealed class ChannelPool : IDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly CallInvoker[] _invokers;
    private int _next;

    public ChannelPool(Uri target, int connections, string token)
    {
        var metadata = new Metadata { { "authorization", $"Bearer {token}" } };
        _channels = [.. Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        }))];
        _invokers = [.. _channels.Select(c => c.Intercept(m =>
        {
            foreach (var entry in metadata)
            {
                m.Add(entry);
            }

            return m;
        }))];
    }

    public CallInvoker Next() => _invokers[(uint)Interlocked.Increment(ref _next) % _invokers.Length];

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}

/// <summary>What a scheduled (open-model) phase must hold for the run to pass; unset: not judged.</summary>
public sealed record Thresholds(double? MaxP99Milliseconds, double? MaxErrorRate)
{
    internal IEnumerable<string> BrokenBy(LoadRun.Result result)
    {
        var p99 = LoadRun.Milliseconds(result.Latency.GetValueAtPercentile(99));
        if (MaxP99Milliseconds is { } maxP99 && p99 > maxP99)
        {
            yield return $"p99 {p99:0.0} ms > {maxP99} ms";
        }

        var errors = result.Errors.Values.Sum() / (double)Math.Max(1, result.Latency.TotalCount);
        if (MaxErrorRate is { } maxErrors && errors > maxErrors)
        {
            yield return $"error rate {errors:P2} > {maxErrors:P2}";
        }
    }

    public override string ToString() =>
        $"p99 at most {(MaxP99Milliseconds is { } p ? $"{p} ms" : "any")}, errors at most {(MaxErrorRate is { } e ? $"{e:P2}" : "any")}";
}

public sealed record Options(
    Uri Target, Uri Authority, string ClientId, string ClientSecret, string[] Scenarios, int Connections, int InFlight, TimeSpan Duration,
    IReadOnlyList<double> Rates, string Flood, Thresholds Thresholds, string ReportFile, string HtmlFile)
{
    private const string Usage = "usage: Backbone.LoadTests --target http://127.0.0.1:5100 --authority http://127.0.0.1:5080/ " +
        "--client demo-partner --secret <secret> [--scenarios health,nearby] [--connections 4] [--in-flight 64] [--seconds 15] " +
        "[--rates 5000,10000 (open-model phases; default: half of each peak)] [--flood nearby (also run each open phase beside a closed-model flood)] " +
        "[--max-p99-ms 20] [--max-error-rate 0.001] (thresholds for the open-model phases: exit code 1 when one is broken) [--report summary.md] [--html report.html]";

    public static Options Parse(string[] args)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            named[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string key, string? fallback = null) =>
            named.GetValueOrDefault(key) ?? fallback ?? throw new ArgumentException($"--{key} is required. {Usage}");
        string Optional(string key) => named.GetValueOrDefault(key)?.Trim() ?? string.Empty;

        return new Options(
            new Uri(Get("target", "http://127.0.0.1:5100")),
            new Uri(Get("authority", "http://127.0.0.1:5080/")),
            Get("client", "demo-partner"),
            Get("secret"),
            Get("scenarios", "health,nearby").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            int.Parse(Get("connections", "4"), CultureInfo.InvariantCulture),
            int.Parse(Get("in-flight", "64"), CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(int.Parse(Get("seconds", "15"), CultureInfo.InvariantCulture)),
            [.. Optional("rates").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => double.Parse(r, CultureInfo.InvariantCulture))],
            Optional("flood"),
            new Thresholds(
                named.TryGetValue("max-p99-ms", out var p99) ? double.Parse(p99, CultureInfo.InvariantCulture) : null,
                named.TryGetValue("max-error-rate", out var errorRate) ? double.Parse(errorRate, CultureInfo.InvariantCulture) : null),
            Optional("report"),
            Optional("html"));
    }
}

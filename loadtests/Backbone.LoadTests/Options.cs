using System.Globalization;

namespace Backbone.LoadTests;

/// <summary>The command line of a run; see <see cref="Usage"/>.</summary>
public sealed record Options
{
    public const string Usage = """
        usage: Backbone.LoadTests --secret <partner secret> [options]
          --target http://127.0.0.1:5100      the backbone's gRPC port
          --authority http://127.0.0.1:5080/  its sign-on (the web port, or the identity host)
          --client demo-partner               the partner app (client credentials): verifies certificates, searches the map
          --scenario health-code-morning      one or more, comma-separated: baseline, citizen-me, submit-appeal,
                                              health-code-morning, appeals-evening, mixed-day, spike-10x, facility, nearby,
                                              register-citizen, token-refresh, issue-directive, case-lifecycle
          --rate 5000                         open model at this many calls per second (spike-10x: the sustainable rate)
          --shape constant|ramp               constant, or ramped from 0 to --rate over the duration
          --duration 60s                      per measured phase
          --closed 64                         closed model instead: this many calls always in flight
                                              (neither --rate nor --closed: each scenario's peak, closed, then half of it, open)
          --spike-factor 10 --spike-seconds 60 --spike-before 20 --spike-after 30
          --citizens 100 --sign-up-parallel 8 synthetic citizens made through the real sign-up page and sign-in
          --citizen-client demo-miniprogram --citizen-redirect http://127.0.0.1:8080/callback
          --staff 13900000005:demo-staff-5    a city-level staff member (handles appeals from anywhere, approves certificates)
          --staff-client demo-staff-console --staff-redirect http://127.0.0.1:8081/callback
          --flood nearby --flood-rate 6000    beside each open phase of --rates, another scenario flooding: closed at
                                              --in-flight (retrying the moment it is answered), or open at this rate (a crowd)
          --connections 4 --in-flight 64      HTTP/2 connections; calls in flight when finding a peak
          --max-p99-ms 20 --max-error-rate 0.01 --max-recovery-s 10   thresholds: exit code 1 when one is broken
          --no-baseline                       skip the health-check baseline (run first otherwise)
          --report summary.md --html report.html
          --h2load-kit DIR                    only sign in and write tokens and request bodies for h2load to DIR
                                              (loadtests/h2load-open.sh), then stop
        """;

    public Uri Target { get; init; } = new("http://127.0.0.1:5100");

    public Uri Authority { get; init; } = new("http://127.0.0.1:5080/");

    public string ClientId { get; init; } = "demo-partner";

    public string ClientSecret { get; init; } = string.Empty;

    public IReadOnlyList<string> Scenarios { get; init; } = ["health-code-morning"];

    public double? Rate { get; init; }

    public string Shape { get; init; } = "constant";

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    public int? Closed { get; init; }

    public double SpikeFactor { get; init; } = 10;

    public TimeSpan SpikeLength { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan SpikeBefore { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan SpikeAfter { get; init; } = TimeSpan.FromSeconds(30);

    public int Citizens { get; init; } = 100;

    public int SignUpParallel { get; init; } = 8;

    public string CitizenClient { get; init; } = "demo-miniprogram";

    public string CitizenRedirect { get; init; } = "http://127.0.0.1:8080/callback";

    /// <summary>mobile:password; empty: no staff (scenarios that need staff refuse to start).</summary>
    public string Staff { get; init; } = "13900000005:demo-staff-5";

    public string StaffClient { get; init; } = "demo-staff-console";

    public string StaffRedirect { get; init; } = "http://127.0.0.1:8081/callback";

    public int Connections { get; init; } = 4;

    public int InFlight { get; init; } = 64;

    public IReadOnlyList<double> Rates { get; init; } = [];

    public string Flood { get; init; } = string.Empty;

    public double? FloodRate { get; init; }

    public Thresholds Thresholds { get; init; } = new(null, null);

    public double? MaxRecoverySeconds { get; init; }

    public bool Baseline { get; init; } = true;

    public string ReportFile { get; init; } = string.Empty;

    public string HtmlFile { get; init; } = string.Empty;

    public string H2loadKit { get; init; } = string.Empty;

    public static Options Parse(IReadOnlyList<string> args)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var key = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : throw new ArgumentException($"'{args[i]}' is not an option.\n{Usage}");
            named[key] = key == "no-baseline" ? "true" : i + 1 < args.Count ? args[++i] : throw new ArgumentException($"--{key} needs a value.\n{Usage}");
        }

        string? Get(string key) => named.GetValueOrDefault(key)?.Trim();
        double? Number(string key) => Get(key) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : null;
        var defaults = new Options();
        return new Options
        {
            Target = Get("target") is { } target ? new Uri(target) : defaults.Target,
            Authority = Get("authority") is { } authority ? new Uri(authority) : defaults.Authority,
            ClientId = Get("client") ?? defaults.ClientId,
            ClientSecret = Get("secret") ?? throw new ArgumentException($"--secret is required.\n{Usage}"),
            Scenarios = (Get("scenario") ?? Get("scenarios")) is { } list ? List(list) : defaults.Scenarios,
            Rate = Number("rate"),
            Shape = Get("shape") is "ramp" ? "ramp" : Get("shape") is null or "constant" ? "constant" : throw new ArgumentException("--shape is constant or ramp."),
            Duration = Get("duration") is { } duration ? Seconds(duration) : Get("seconds") is { } seconds ? Seconds(seconds) : defaults.Duration,
            Closed = Number("closed") is { } closed ? (int)closed : null,
            SpikeFactor = Number("spike-factor") ?? defaults.SpikeFactor,
            SpikeLength = Get("spike-seconds") is { } spike ? Seconds(spike) : defaults.SpikeLength,
            SpikeBefore = Get("spike-before") is { } before ? Seconds(before) : defaults.SpikeBefore,
            SpikeAfter = Get("spike-after") is { } after ? Seconds(after) : defaults.SpikeAfter,
            Citizens = (int)(Number("citizens") ?? defaults.Citizens),
            SignUpParallel = (int)(Number("sign-up-parallel") ?? defaults.SignUpParallel),
            CitizenClient = Get("citizen-client") ?? defaults.CitizenClient,
            CitizenRedirect = Get("citizen-redirect") ?? defaults.CitizenRedirect,
            Staff = Get("staff") ?? defaults.Staff,
            StaffClient = Get("staff-client") ?? defaults.StaffClient,
            StaffRedirect = Get("staff-redirect") ?? defaults.StaffRedirect,
            Connections = (int)(Number("connections") ?? defaults.Connections),
            InFlight = (int)(Number("in-flight") ?? defaults.InFlight),
            Rates = Get("rates") is { } rates ? [.. List(rates).Select(r => double.Parse(r, CultureInfo.InvariantCulture))] : [],
            Flood = Get("flood") ?? string.Empty,
            FloodRate = Number("flood-rate"),
            Thresholds = new Thresholds(Number("max-p99-ms"), Number("max-error-rate")),
            MaxRecoverySeconds = Number("max-recovery-s"),
            Baseline = !named.ContainsKey("no-baseline"),
            ReportFile = Get("report") ?? string.Empty,
            HtmlFile = Get("html") ?? string.Empty,
            H2loadKit = Get("h2load-kit") ?? string.Empty,
        };
    }

    /// <summary>"60s", "2m" or "60" (seconds).</summary>
    public static TimeSpan Seconds(string text) =>
        text.EndsWith('m') ? TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture))
        : TimeSpan.FromSeconds(double.Parse(text.TrimEnd('s'), CultureInfo.InvariantCulture));

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

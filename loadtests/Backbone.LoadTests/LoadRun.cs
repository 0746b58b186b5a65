using System.Diagnostics;
using System.Globalization;
using System.Text;
using Grpc.Core;

namespace Backbone.LoadTests;

/// <summary>The Markdown summary of a run and its verdict (0: every threshold held).</summary>
public sealed record RunOutcome(int ExitCode, string Summary, IReadOnlyList<Phase> Phases);

/// <summary>
/// One session against a running backbone: test identities made through the real sign-on first
/// (timed apart), the bare-gRPC baseline, then each scenario, so that ratios compare like with like.
/// </summary>
public static class LoadRun
{
    public static async Task<int> MainAsync(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        return (await RunAsync(options)).ExitCode;
    }

    public static async Task<RunOutcome> RunAsync(Options options)
    {
        var report = new Report();
        var mode = options.Rate is { } r ? $"open model, {r:0} calls/s ({options.Shape})" : options.Closed is { } n ? $"closed model, {n} in flight" : "peak (closed), then half of it (open)";
        report.Line($"# Load run against {options.Target}: {mode}, {options.Duration.TotalSeconds:0} s per phase, {options.Connections} connections");
        report.Line();

        using var channels = new ChannelPool(options.Target, options.Connections);
        using var signOn = new HttpClient(); // what apps send to the sign-on (token refreshes)
        var context = await PrepareAsync(options, channels, signOn, report);
        if (options.H2loadKit.Length > 0)
        {
            await H2loadKit.WriteAsync(options.H2loadKit, context);
            report.Line($"Tokens and request bodies for h2load written to {options.H2loadKit}.");
            return new RunOutcome(0, report.Text, []);
        }

        report.Line("| scenario | phase | step | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | statuses | runner CPU | runner late p99 ms |");
        report.Line("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
        var phases = new List<Phase>();
        var broken = new List<string>();
        var notes = new List<string>();
        void Measured(Phase phase, bool judged)
        {
            phases.Add(phase);
            foreach (var row in Rows(phase))
            {
                report.Line(row);
            }

            if (judged)
            {
                broken.AddRange(options.Thresholds.BrokenBy(phase.All).Select(why => $"{phase.Scenario} {phase.Name}: {why}"));
            }
        }

        double? baseline = null;
        if (options.Baseline && !options.Scenarios.Contains(Scenarios.Baseline))
        {
            var health = await Scenarios.CreateAsync(Scenarios.Baseline, context);
            await Engine.RunClosedAsync(health, "warm-up", options.InFlight, TimeSpan.FromSeconds(Math.Min(3, options.Duration.TotalSeconds)));
            var peak = await Engine.RunClosedAsync(health, "peak (closed)", options.InFlight, options.Duration);
            baseline = peak.Rate;
            Measured(peak, judged: false);
        }

        // The flood comes from other clients than the calls it disturbs: connections of its own.
        using var floodChannels = options.Flood.Length > 0 ? new ChannelPool(options.Target, options.Connections) : null;
        var flood = floodChannels is null ? null : await Scenarios.CreateAsync(options.Flood, context.Over(floodChannels));
        foreach (var name in options.Scenarios)
        {
            var scenario = await Scenarios.CreateAsync(name, context);
            await Engine.RunClosedAsync(scenario, "warm-up", Math.Min(options.InFlight, 16), TimeSpan.FromSeconds(Math.Min(3, options.Duration.TotalSeconds)));
            if (options.Rate is { } rate)
            {
                var arrival = name == "spike-10x"
                    ? Arrival.Spike(rate, options.SpikeFactor, options.SpikeBefore, options.SpikeLength, options.SpikeAfter)
                    : options.Shape == "ramp" ? Arrival.Ramp(0, rate, options.Duration) : Arrival.Constant(rate, options.Duration);
                var phase = await Engine.RunOpenAsync(scenario, $"{arrival.Name} (open)", arrival);
                Measured(phase, judged: true);
                if (name == "spike-10x")
                {
                    var spike = SpikeOutcome.Of(phase.All.Seconds, arrival);
                    notes.Add($"spike-10x: {spike.ErrorsDuringSpike} errors of {spike.CallsDuringSpike} calls during the spike " +
                        $"({Thresholds.Percent(spike.ErrorsDuringSpike / (double)Math.Max(1, spike.CallsDuringSpike))}); normal p99 {spike.NormalP99Ms:0.0} ms; " +
                        (spike.RecoverySeconds is { } s ? $"latency normal again {s:0} s after the spike" : "latency not normal again before the run ended"));
                    if (options.MaxRecoverySeconds is { } allowed && (spike.RecoverySeconds ?? double.MaxValue) > allowed)
                    {
                        broken.Add($"spike-10x: recovery {(spike.RecoverySeconds is { } took ? $"{took:0} s" : "never")} > {allowed} s");
                    }
                }

                NoteShareOfBaseline(phase);
            }
            else if (options.Closed is { } inFlight)
            {
                var phase = await Engine.RunClosedAsync(scenario, $"{inFlight} in flight (closed)", inFlight, options.Duration);
                Measured(phase, judged: true);
                NoteShareOfBaseline(phase);
            }
            else
            {
                var peak = await Engine.RunClosedAsync(scenario, "peak (closed)", options.InFlight, options.Duration);
                Measured(peak, judged: false); // a peak is saturation by design
                NoteShareOfBaseline(peak);
                foreach (var scheduled in options.Rates.Count > 0 ? options.Rates : [peak.Rate / 2])
                {
                    var arrival = Arrival.Constant(scheduled, options.Duration);
                    var flooding = flood is null ? null
                        : options.FloodRate is { } floodRate ? Engine.RunOpenAsync(flood, $"flood {floodRate:0}/s (open)", Arrival.Constant(floodRate, options.Duration))
                        : Engine.RunClosedAsync(flood, "flood (closed)", options.InFlight, options.Duration);
                    Measured(await Engine.RunOpenAsync(scenario, $"{arrival.Name} (open){(flood is null ? string.Empty : $" + {flood.Name} flood")}", arrival), judged: true);
                    if (flooding is not null)
                    {
                        Measured(await flooding, judged: false);
                    }
                }
            }
        }

        void NoteShareOfBaseline(Phase phase)
        {
            if (baseline is { } ceiling && phase.Scenario != Scenarios.Baseline)
            {
                notes.Add($"{phase.Scenario} {phase.Name}: {phase.Rate:0} calls/s = {phase.Rate / ceiling:0.00} of the bare gRPC baseline ({ceiling:0}/s) in this run");
            }
        }

        report.Line();
        foreach (var note in notes)
        {
            report.Line($"- {note}");
        }

        report.Line();
        report.Line(broken.Count == 0
            ? $"Thresholds held ({options.Thresholds}{(options.MaxRecoverySeconds is { } m ? $", recovery within {m} s" : string.Empty)})."
            : $"THRESHOLDS BROKEN ({options.Thresholds}):\n- {string.Join("\n- ", broken)}");
        if (options.ReportFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.ReportFile, report.Text);
        }

        if (options.HtmlFile.Length > 0)
        {
            await File.WriteAllTextAsync(options.HtmlFile, HtmlReport.Render(report.Text, phases));
        }

        return new RunOutcome(broken.Count == 0 ? 0 : 1, report.Text, phases); // a pipeline gates on the exit code
    }

    /// <summary>The test identities, made before anything is measured and reported on their own line.</summary>
    private static async Task<LoadContext> PrepareAsync(Options options, ChannelPool channels, HttpClient signOn, Report report)
    {
        var identities = new Identities(options.Authority);
        var clock = Stopwatch.StartNew();
        var partner = await identities.PartnerAsync(options.ClientId, options.ClientSecret);
        Participant? staff = null;
        if (options.Staff.Split(':', 2) is [var mobile, var password])
        {
            staff = await identities.SignInAsync(options.StaffClient, options.StaffRedirect, "openid cases.handle", mobile, password);
        }

        var signedIn = clock.Elapsed;
        var citizens = await identities.NewCitizensAsync(
            options.Citizens, options.SignUpParallel, options.CitizenClient, options.CitizenRedirect, "openid offline_access citizen.profile cases.submit certificates.read");
        var signedUp = clock.Elapsed - signedIn;
        report.Line($"Identities (not measured below): {citizens.Count} synthetic citizens signed up and signed in through the real pages in " +
            $"{signedUp.TotalSeconds:0.0} s ({citizens.Count / Math.Max(0.001, signedUp.TotalSeconds):0.0}/s, {options.SignUpParallel} at a time); " +
            $"partner{(staff is null ? string.Empty : " and staff")} signed in in {signedIn.TotalSeconds:0.0} s.");
        report.Line();
        return new LoadContext(channels, partner, citizens, staff, token => identities.RefreshAsync(signOn, options.CitizenClient, token));
    }

    /// <summary>The phase's row, then one per step when it has more than one.</summary>
    public static IEnumerable<string> Rows(Phase phase)
    {
        var cpu = (phase.RunnerCpu * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
        // Only an open model has a schedule to be late for.
        var late = phase.Arrival is null ? "—" : Ms(Measurement.Milliseconds(phase.SendLag.GetValueAtPercentile(99)));
        yield return Row(phase.Scenario, phase.Name, "all", phase.All, phase.Rate, cpu, late, phase.Skipped);
        if (phase.Steps.Count > 1)
        {
            foreach (var (name, step) in phase.Steps.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                yield return Row(string.Empty, string.Empty, name, step, phase.Rate * step.Count / Math.Max(1, phase.All.Count), string.Empty, string.Empty, 0);
            }
        }
    }

    private static string Ms(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Row(string scenario, string phase, string step, Measurement m, double rate, string cpu, string late, long skipped)
    {
        var statuses = string.Join(", ", m.Statuses.OrderByDescending(s => s.Value).Select(s => $"{Name(s.Key)} {s.Value}"));
        if (skipped > 0)
        {
            statuses += $" (skipped {skipped}: nothing to do)";
        }

        return $"| {scenario} | {phase} | {step} | {rate:0} | {Ms(m.PercentileMs(50))} | {Ms(m.PercentileMs(90))} | {Ms(m.PercentileMs(99))} | " +
            $"{Ms(m.PercentileMs(99.9))} | {Ms(m.MaxMs)} | {statuses} | {cpu} | {late} |";
    }

    private static string Name(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.NotFound => "NOT_FOUND",
        _ => code.ToString().ToUpperInvariant(),
    };

    /// <summary>The Markdown summary, printed as it grows.</summary>
    private sealed class Report
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.ToString();

        public void Line(string line = "")
        {
            Console.WriteLine(line);
            _text.AppendLine(line);
        }
    }
}

using System.Collections.Concurrent;
using Backbone.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Backbone.LoadTests;

/// <summary>A named RPC (or a short sequence, such as staff handling an appeal), drawn with its weight; each call draws its own arguments.</summary>
public sealed record Step(string Name, double Weight, Func<Task> Call);

/// <summary>
/// Named steps over real RPCs with real tokens. Calls take the steps in proportion to their weights,
/// interleaved (smooth weighted round-robin): every run of as many calls as the weights add up to
/// holds each step exactly its weight's number of times, so even a short phase has the whole mix.
/// </summary>
public sealed class Scenario(string name, IReadOnlyList<Step> steps)
{
    private readonly Lock _gate = new();
    private readonly double[] _credit = new double[steps.Count];
    private readonly double _total = steps.Sum(s => s.Weight);

    public string Name { get; } = name;

    public IReadOnlyList<Step> Steps { get; } = steps;

    public Step Pick()
    {
        lock (_gate)
        {
            var best = 0;
            for (var i = 0; i < _credit.Length; i++)
            {
                _credit[i] += Steps[i].Weight;
                if (_credit[i] > _credit[best])
                {
                    best = i;
                }
            }

            _credit[best] -= _total;
            return Steps[best];
        }
    }
}

/// <summary>Who the run acts as, and what scenarios prepared before the measured phases (certificates, a backlog of appeals).</summary>
/// <param name="refresh">Redeems a citizen's refresh token and returns the next one (at the sign-on).</param>
/// <param name="refreshTokens">Shared with the context this one was made <see cref="Over"/> from; null: the citizens' own.</param>
public sealed class LoadContext(
    ChannelPool channels, Participant partner, IReadOnlyList<Participant> citizens, Participant? staff, Func<string, Task<string>> refresh,
    ConcurrentQueue<string>? refreshTokens = null)
{
    public ChannelPool Channels { get; } = channels;

    public Participant Partner { get; } = partner;

    public IReadOnlyList<Participant> Citizens { get; } = citizens;

    public Participant? Staff { get; } = staff;

    /// <summary>Certificates the citizens hold (number, verification code), issued through real applications.</summary>
    public List<(string Number, string Code)> Certificates { get; } = [];

    /// <summary>Appeals submitted and not yet handled by the staff step.</summary>
    public ConcurrentQueue<string> Waiting { get; } = new();

    /// <summary>
    /// The citizens' current refresh tokens not being redeemed just now: one queue for the whole run, since
    /// each token can be redeemed once (a second time revokes the citizen's every token).
    /// </summary>
    public ConcurrentQueue<string> RefreshTokens { get; } = refreshTokens ?? new(citizens.Select(c => c.RefreshToken).OfType<string>());

    public Func<string, Task<string>> Refresh { get; } = refresh;

    /// <summary>The same participants over other connections (a flood comes from other clients than the calls it disturbs).</summary>
    public LoadContext Over(ChannelPool channels) => new(channels, Partner, Citizens, Staff, Refresh, RefreshTokens);

    public Participant AnyCitizen() => Citizens[Random.Shared.Next(Citizens.Count)];

    public Participant RequireStaff(string scenario) =>
        Staff ?? throw new ArgumentException($"Scenario {scenario} needs a city-level staff member (appeals come from every district): --staff <mobile>:<password>.");
}

public static class Scenarios
{
    public const string Baseline = "baseline";

    /// <summary>Every scenario, in the order a full run takes them.</summary>
    public static readonly IReadOnlyList<string> Names =
        [Baseline, "citizen-me", "submit-appeal", "health-code-morning", "appeals-evening", "mixed-day", "spike-10x", "facility", "nearby", "register-citizen", "token-refresh", "issue-directive", "case-lifecycle"];

    // The sample city's box (seeds/grid-5101.json), and a point in grid 510104001001001 (锦江区 红星社区).
    private const double South = 30.58, North = 30.74, West = 103.98, East = 104.18;
    private static readonly LatLng Jinjiang = new() { Latitude = 30.59, Longitude = 104.063 };
    private const string JinjiangGrid = "510104001001001";
    private static readonly string[] CatalogQueries = ["餐饮", "居住", "社保", "出生", "licence"];

    /// <summary>The scenario, with what it needs prepared (certificates to read and verify, appeals waiting for staff).</summary>
    public static async Task<Scenario> CreateAsync(string name, LoadContext context)
    {
        var steps = name switch
        {
            // The bare gRPC ceiling on this machine: the standard health check, no token, no grain.
            Baseline => [Health(context)],
            "citizen-me" => [CitizenMe(context, 1)],
            "submit-appeal" => [SubmitAppeal(context, 1)],
            // A health-code morning's read storm: residents open their code and certificates, checkpoints verify them.
            "health-code-morning" or "spike-10x" => await HealthCodeMorning(context),
            // The 12345 evening: residents submit appeals, staff sign for and answer them.
            "appeals-evening" => await AppealsEvening(context),
            "mixed-day" => [.. await HealthCodeMorning(context), SubmitAppeal(context, 1), Nearby(context, 2), Catalog(context, 1)],
            "facility" => [new Step("GetFacility", 1, async () => await new ServiceCircleService.ServiceCircleServiceClient(context.Channels.Next())
                .GetFacilityAsync(new GetFacilityRequest { FacilityId = $"clinic-{Random.Shared.Next(1, 351):D4}" }, context.Partner.Headers))],
            "nearby" => [Nearby(context, 1)],
            // A department registering residents (each call a new person): fills a node with citizen grains to measure its memory.
            "register-citizen" => [new Step("RegisterCitizen", 1, async () => await new CitizenService.CitizenServiceClient(context.Channels.Next())
                .RegisterCitizenAsync(new RegisterCitizenRequest
                {
                    RequestId = Guid.NewGuid().ToString(),
                    Name = "压测市民",
                    IdNumber = Identities.SyntheticIdNumber(),
                    Phone = "198" + Random.Shared.Next(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture),
                    Address = "成都市锦江区春熙路1号（压测）",
                }, context.Partner.Headers))],
            // The apps of a morning renewing their hour-long access tokens at the sign-on (HTTP, not gRPC).
            "token-refresh" => [RefreshToken(context)],
            // The city's command network over time (run it closed at 1): directives to every unit, due within seconds,
            // so each unit's inbox keeps filling with settled ones; how long issuing takes shows what an inbox costs as it grows.
            "issue-directive" => [IssueDirective(context)],
            // One grid's years in minutes: appeals there submitted, handled and rated (so closed) one after another,
            // while its staff list its newest cases; how long both take shows what the grid's index costs as it grows.
            "case-lifecycle" => CaseLifecycle(context),
            _ => throw new ArgumentException($"Unknown scenario '{name}' ({string.Join(", ", Names)})."),
        };
        return new Scenario(name, steps);
    }

    private static Step Health(LoadContext context) =>
        new("Health/Check", 1, async () => await new Health.HealthClient(context.Channels.Next()).CheckAsync(new HealthCheckRequest()));

    private static Step CitizenMe(LoadContext context, double weight) =>
        new("GetCitizen(me)", weight, async () => await new CitizenService.CitizenServiceClient(context.Channels.Next())
            .GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }, context.AnyCitizen().Headers));

    private static Step SubmitAppeal(LoadContext context, double weight) =>
        new("SubmitAppeal", weight, async () =>
        {
            var submitted = await new CaseService.CaseServiceClient(context.Channels.Next()).SubmitAppealAsync(new SubmitAppealRequest
            {
                RequestId = Guid.NewGuid().ToString(),
                Category = "noise",
                Description = "夜间施工噪音扰民（压测）",
                Location = AnyPoint(), // spread over the city's 180 grids, as real appeals are
            }, context.AnyCitizen().Headers);
            context.Waiting.Enqueue(submitted.CaseId);
        });

    private static readonly string DirectiveBody = string.Concat(Enumerable.Repeat("请各单位收到后立即确认，并按要求落实到位。", 23)); // about 500 characters

    private static Step IssueDirective(LoadContext context)
    {
        var staff = context.RequireStaff("issue-directive");
        return new("IssueDirective", 1, async () => await new GridService.GridServiceClient(context.Channels.Next()).IssueDirectiveAsync(new IssueDirectiveRequest
        {
            RequestId = Guid.NewGuid().ToString(),
            FromUnitCode = "5101",
            Title = "全市防汛紧急通知（压测）",
            Body = DirectiveBody,
            IncludeGrids = true,
            AckDeadline = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(5)),
        }, staff.Headers));
    }

    private static IReadOnlyList<Step> CaseLifecycle(LoadContext context)
    {
        var staff = context.RequireStaff("case-lifecycle");
        return
        [
            new Step("SubmitAppeal+Accept+Start+Reply+Rate", 4, async () =>
            {
                var citizen = context.AnyCitizen();
                var cases = new CaseService.CaseServiceClient(context.Channels.Next());
                var submitted = await cases.SubmitAppealAsync(new SubmitAppealRequest
                {
                    RequestId = Guid.NewGuid().ToString(),
                    Category = "noise",
                    Description = "广场舞音响太大（压测）",
                    Location = Jinjiang,
                }, citizen.Headers);
                var action = new CaseActionRequest { CaseId = submitted.CaseId, Note = "已处理" };
                await cases.AcceptCaseAsync(action, staff.Headers);
                await cases.StartCaseAsync(action, staff.Headers);
                await cases.ReplyCaseAsync(action, staff.Headers);
                await cases.RateCaseAsync(new RateCaseRequest { CaseId = submitted.CaseId, Rating = Rating.Satisfied }, citizen.Headers);
            }),
            new Step("ListCases(grid)", 1, async () => await new CaseService.CaseServiceClient(context.Channels.Next())
                .ListCasesAsync(new ListCasesRequest { UnitCode = JinjiangGrid }, staff.Headers)),
        ];
    }

    /// <summary>A citizen's app redeems its refresh token; the new one goes back for a later call (skipped while every citizen's is in use).</summary>
    private static Step RefreshToken(LoadContext context) =>
        new("RefreshToken", 1, async () =>
        {
            if (!context.RefreshTokens.TryDequeue(out var token))
            {
                throw new NothingToDoException();
            }

            context.RefreshTokens.Enqueue(await context.Refresh(token));
        });

    private static Step Nearby(LoadContext context, double weight) =>
        new("FindNearby", weight, async () => await new ServiceCircleService.ServiceCircleServiceClient(context.Channels.Next()).FindNearbyAsync(
            new FindNearbyRequest { Location = AnyPoint() }, context.Partner.Headers));

    /// <summary>A random point of the sample city (its grids tile this box).</summary>
    public static LatLng AnyPoint() => new()
    {
        Latitude = South + (Random.Shared.NextDouble() * (North - South)),
        Longitude = West + (Random.Shared.NextDouble() * (East - West)),
    };

    private static Step Catalog(LoadContext context, double weight) =>
        new("ListMatters", weight, async () => await new CatalogService.CatalogServiceClient(context.Channels.Next())
            .ListMattersAsync(new ListMattersRequest { Query = CatalogQueries[Random.Shared.Next(CatalogQueries.Length)] }));

    private static async Task<IReadOnlyList<Step>> HealthCodeMorning(LoadContext context)
    {
        await EnsureCertificates(context);
        return
        [
            CitizenMe(context, 6),
            new Step("ListMyCertificates", 3, async () => await new CertificateService.CertificateServiceClient(context.Channels.Next())
                .ListMyCertificatesAsync(new ListMyCertificatesRequest(), context.AnyCitizen().Headers)),
            new Step("VerifyCertificate", 1, async () =>
            {
                var (number, code) = context.Certificates[Random.Shared.Next(context.Certificates.Count)];
                await new CertificateService.CertificateServiceClient(context.Channels.Next()).VerifyCertificateAsync(
                    new VerifyCertificateRequest { Number = number, VerificationCode = code, Purpose = "卡口核验（压测）" }, context.Partner.Headers);
            }),
        ];
    }

    private static async Task<IReadOnlyList<Step>> AppealsEvening(LoadContext context)
    {
        var staff = context.RequireStaff("appeals-evening");
        // A backlog, so staff have work from the first second.
        var backlog = SubmitAppeal(context, 1);
        for (var i = context.Waiting.Count; i < 20; i++)
        {
            await backlog.Call();
        }

        return
        [
            SubmitAppeal(context, 3),
            new Step("AcceptCase+StartCase+ReplyCase", 1, async () =>
            {
                if (!context.Waiting.TryDequeue(out var caseId))
                {
                    throw new NothingToDoException();
                }

                var cases = new CaseService.CaseServiceClient(context.Channels.Next());
                await cases.AcceptCaseAsync(new CaseActionRequest { CaseId = caseId, Note = "已签收" }, staff.Headers);
                await cases.StartCaseAsync(new CaseActionRequest { CaseId = caseId }, staff.Headers);
                await cases.ReplyCaseAsync(new CaseActionRequest { CaseId = caseId, Note = "已联系施工方，22点后停工。" }, staff.Headers);
            }),
        ];
    }

    /// <summary>
    /// Certificates for the read storm, issued the real way: citizens apply for a residence certificate
    /// (居住证明), staff approve. One per citizen (at most a hundred), so verifications spread over holders
    /// as they do in a city; once per run.
    /// </summary>
    private static async Task EnsureCertificates(LoadContext context)
    {
        if (context.Certificates.Count > 0)
        {
            return;
        }

        var staff = context.RequireStaff("health-code-morning");
        var cases = new CaseService.CaseServiceClient(context.Channels.Next());
        var certificates = new CertificateService.CertificateServiceClient(context.Channels.Next());
        foreach (var citizen in context.Citizens.Take(100))
        {
            var application = await cases.SubmitApplicationAsync(new SubmitApplicationRequest
            {
                RequestId = Guid.NewGuid().ToString(),
                Service = "residence.certificate",
                Description = "申请居住证明（压测准备）",
                Location = Jinjiang,
                Materials = { new ProvidedMaterial { Code = "lease", AttachmentRef = "oss://load/lease.pdf" } },
            }, citizen.Headers);
            await cases.AcceptCaseAsync(new CaseActionRequest { CaseId = application.CaseId }, staff.Headers);
            await cases.StartCaseAsync(new CaseActionRequest { CaseId = application.CaseId }, staff.Headers);
            await cases.DecideApplicationAsync(new DecideApplicationRequest { CaseId = application.CaseId, Approve = true }, staff.Headers);
            var held = await certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest(), citizen.Headers);
            context.Certificates.AddRange(held.Certificates.Select(c => (c.Number, c.VerificationCode)));
        }
    }
}

/// <summary>A few HTTP/2 connections, each carrying many calls; tokens go with each call.</summary>
public sealed class ChannelPool(Uri target, int connections) : IDisposable
{
    private readonly GrpcChannel[] _channels = [.. Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(target, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    }))];

    private int _next;

    public ChannelBase Next() => _channels[(uint)Interlocked.Increment(ref _next) % _channels.Length];

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}

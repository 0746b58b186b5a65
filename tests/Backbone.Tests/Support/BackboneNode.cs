using Backbone.Silo.Hosting;
using Backbone.V1;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Backbone.Tests.Support;

/// <summary>
/// The real backbone host, started in this process on free ports with its own data directory, and a
/// real gRPC channel to it.
/// </summary>
public sealed class BackboneNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BackboneNode(WebApplication app, NodeSettings settings)
    {
        _app = app;
        Settings = settings;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{settings.GrpcPort}");
        Identity = new IdentityClient(new Uri(settings.Authority.Length > 0 ? settings.Authority : $"http://127.0.0.1:{settings.WebPort}/"));
    }

    public IServiceProvider Services => _app.Services;

    public NodeSettings Settings { get; }

    public GrpcChannel Channel { get; }

    /// <summary>The embedded identity provider on the node's web port.</summary>
    public IdentityClient Identity { get; }

    /// <summary>Citizen RPCs as the seeded partner app (client credentials, all its citizen scopes).</summary>
    public CitizenService.CitizenServiceClient Citizens { get; private set; } = null!;

    /// <summary>Citizen RPCs without any token.</summary>
    public CitizenService.CitizenServiceClient Anonymous => new(Channel);

    public Health.HealthClient Health => new(Channel);

    public CitizenService.CitizenServiceClient CitizensAs(string accessToken) => new(Channel.WithToken(accessToken));

    /// <summary>Case RPCs as a citizen signed in through the mini-program (scope cases.submit).</summary>
    public async Task<CaseService.CaseServiceClient> CasesAsCitizenAsync(
        string mobile = TestIdentity.CitizenMobile, string password = TestIdentity.CitizenPassword) =>
        new(Channel.WithToken((await Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, "openid cases.submit", mobile, password)).AccessToken!));

    /// <summary>Case RPCs as a seeded staff member signed in through the staff console (scope cases.handle).</summary>
    public async Task<CaseService.CaseServiceClient> CasesAsStaffAsync(string mobile) =>
        new(Channel.WithToken(await Identity.StaffTokenAsync(mobile, "openid cases.handle")));

    /// <param name="fetchPartnerToken">False when the identity provider is not up yet (a stand-alone one started later).</param>
    public static async Task<BackboneNode> StartAsync(NodeSettings? settings = null, bool fetchPartnerToken = true)
    {
        settings ??= NodeSettings.Fresh();
        var app = BackboneHost.Create(settings.ToArgs());
        await app.StartAsync();
        var node = new BackboneNode(app, settings);
        if (fetchPartnerToken)
        {
            node.Citizens = node.CitizensAs(await node.Identity.PartnerTokenAsync());
        }

        return node;
    }

    /// <summary>Stops the host as SIGTERM would, leaving this side's channel open to see how its calls end.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Identity.Dispose();
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Ports and data directory of one node; a restarted node reuses the same settings.</summary>
public sealed record NodeSettings(string DataDirectory, int GrpcPort, int WebPort, int SiloPort, int GatewayPort)
{
    public const string UrgentCategory = "test.urgent";

    /// <summary>The one browser origin test nodes let call the JSON and gRPC-Web API.</summary>
    public const string AllowedOrigin = "https://miniprogram.example.cn";

    /// <summary>A fixed issuer (as behind a proxy), so tokens outlive a move to other ports; empty: the web port's address.</summary>
    public string Issuer { get; init; } = string.Empty;

    /// <summary>More settings for this node only, as command-line arguments.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>A separate identity host to trust (External mode); empty: the embedded provider.</summary>
    public string Authority { get; init; } = string.Empty;

    public static NodeSettings Fresh()
    {
        var ports = FreePorts.Take(4);
        var directory = Path.Combine(Path.GetTempPath(), "backbone-tests", Guid.NewGuid().ToString("N"));
        return new NodeSettings(directory, ports[0], ports[1], ports[2], ports[3]);
    }

    /// <summary>The same data directory on new ports (a node that comes back elsewhere).</summary>
    public NodeSettings WithNewPorts()
    {
        var ports = FreePorts.Take(4);
        return this with { GrpcPort = ports[0], WebPort = ports[1], SiloPort = ports[2], GatewayPort = ports[3] };
    }

    public string[] ToArgs() =>
    [
        $"--Backbone:DataDirectory={DataDirectory}",
        $"--Backbone:Ports:Grpc={GrpcPort}",
        $"--Backbone:Ports:Web={WebPort}",
        $"--Backbone:Ports:Silo={SiloPort}",
        $"--Backbone:Ports:OrleansGateway={GatewayPort}",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Orleans=Error",
        $"--Backbone:Identity:Issuer={Issuer}",
        $"--Backbone:Gateway:AllowedOrigins:0={AllowedOrigin}",
        // A category with deadlines of seconds, so escalation can be watched in a test.
        "--Backbone:Cases:DeadlineCheckPeriod=00:00:01",
        "--Backbone:Cases:Categories:99:Kind=Appeal",
        $"--Backbone:Cases:Categories:99:Code={UrgentCategory}",
        "--Backbone:Cases:Categories:99:Name=测试急件",
        "--Backbone:Cases:Categories:99:Level=Grid",
        "--Backbone:Cases:Categories:99:AcceptWithin=00:00:03",
        "--Backbone:Cases:Categories:99:ResolveWithin=00:00:03",
        "--Backbone:Cases:Categories:99:RateWithin=00:00:03",
        .. Authority.Length > 0
            ? new[] { "--Backbone:Identity:Mode=External", $"--Backbone:Identity:Authority={Authority}" }
            : [.. TestIdentity.Args(), .. TestIdentity.OpsConsoleArgs(WebPort)],
        .. ExtraArgs,
    ];
}

/// <summary>One node shared by the tests of a collection; each test uses fresh citizens.</summary>
public sealed class BackboneFixture : IAsyncLifetime
{
    public BackboneNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await BackboneNode.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedNodeCollection : ICollectionFixture<BackboneFixture>
{
    public const string Name = "shared node";
}

using System.Net;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;

namespace Backbone.Tests.Gateway;

/// <summary>Feature flags in the runtime settings file of a running node: no restart, targeting by district, app and share of callers.</summary>
public sealed class FeatureFlagTests
{
    private static readonly LatLng InJinjiang = new() { Latitude = 30.59, Longitude = 104.063 }; // district 510104
    private static readonly LatLng InJinniu = new() { Latitude = 30.60, Longitude = 104.03 }; // district 510106

    [Fact]
    public async Task A_flag_edited_on_a_running_node_switches_its_RPCs_off_and_back_on_without_a_restart()
    {
        await using var flagged = await FlaggedNode.StartAsync("{}");
        var circle = await flagged.CircleAsync(TestIdentity.Partner, TestIdentity.PartnerSecret);
        using var web = new HttpClient { BaseAddress = flagged.Node.Identity.Provider };
        web.DefaultRequestHeaders.Authorization = new("Bearer", await flagged.Node.Identity.PartnerTokenAsync());
        await circle.FindNearbyAsync(new FindNearbyRequest { Location = InJinniu }); // not configured: on

        await flagged.WriteAsync("""{ "FeatureManagement": { "ServiceCircle": false } }""");
        var off = await RefusedAsync(circle, StatusCode.Unimplemented);
        var overJson = await web.GetAsync("v1/facility-categories");
        var ungated = await flagged.Node.Citizens.RegisterCitizenAsync(TestData.Registration()); // other services go on

        await flagged.WriteAsync("""{ "Backbone": { "Features": { "Paused": { "ServiceCircle": "00:02:00" } } } }""");
        var paused = await RefusedAsync(circle, StatusCode.Unavailable);

        await flagged.WriteAsync("{}");
        var back = await Eventually.Get(async () => await TryAsync(() => circle.FindNearbyAsync(new FindNearbyRequest { Location = InJinniu }).ResponseAsync));

        Assert.Contains("ServiceCircle", off.Status.Detail);
        Assert.Equal(HttpStatusCode.NotImplemented, overJson.StatusCode);
        Assert.Null(overJson.Headers.RetryAfter); // not here yet: nothing to come back for
        Assert.NotEmpty(ungated.CitizenId);
        Assert.Equal(TimeSpan.FromMinutes(2), paused.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        Assert.Equal("-1", paused.Trailers.GetValue("grpc-retry-pushback-ms")); // not retried by clients within seconds
        Assert.True(back.TotalReachable > 0);
    }

    [Fact]
    public async Task A_flag_rolled_out_to_one_district_and_one_app_serves_them_only_and_ops_can_see_for_whom()
    {
        await using var flagged = await FlaggedNode.StartAsync("""
            {
              "FeatureManagement": {
                "ServiceCircle": {
                  "EnabledFor": [ { "Name": "Microsoft.Targeting", "Parameters": { "Audience": {
                    "Groups": [ { "Name": "district:510104", "RolloutPercentage": 100 }, { "Name": "client:narrow-partner", "RolloutPercentage": 100 } ],
                    "DefaultRolloutPercentage": 0 } } } ]
                },
                "Applications": {
                  "EnabledFor": [ { "Name": "Microsoft.Targeting", "Parameters": { "Audience": { "DefaultRolloutPercentage": 50 } } } ]
                }
              }
            }
            """);
        var partner = await flagged.CircleAsync(TestIdentity.Partner, TestIdentity.PartnerSecret);
        var narrow = await flagged.CircleAsync(TestIdentity.NarrowPartner, TestIdentity.NarrowPartnerSecret);
        var node = flagged.Node;
        var gridWorker = new ServiceCircleService.ServiceCircleServiceClient(node.Channel.WithToken(await node.Identity.StaffTokenAsync(TestIdentity.GridWorkerMobile, "openid circle.read")));
        var operations = new OperationsService.OperationsServiceClient(node.Channel.WithToken(await node.Identity.StaffTokenAsync(TestIdentity.CityAdminMobile, "openid grid.read")));
        var notAdmin = new OperationsService.OperationsServiceClient(node.Channel.WithToken(await node.Identity.StaffTokenAsync(TestIdentity.GridWorkerMobile, "openid grid.read")));

        var inDistrict = await partner.FindNearbyAsync(new FindNearbyRequest { Location = InJinjiang });
        var outside = await RpcAssert.Fails(StatusCode.Unimplemented, () => partner.FindNearbyAsync(new FindNearbyRequest { Location = InJinniu }).ResponseAsync);
        var byTargetedApp = await narrow.FindNearbyAsync(new FindNearbyRequest { Location = InJinniu });
        var byDistrictStaff = await gridWorker.ListFacilityCategoriesAsync(new ListFacilityCategoriesRequest()); // the unit's district, no location needed
        var seenOutside = await operations.ListFeaturesAsync(new ListFeaturesRequest { ClientId = TestIdentity.Partner, Location = InJinniu });
        var seenForStaff = await operations.ListFeaturesAsync(new ListFeaturesRequest { ClientId = TestIdentity.StaffConsole, UnitCode = "510104001" });
        var applicationsOn = 0;
        for (var i = 0; i < 100; i++)
        {
            var seen = await operations.ListFeaturesAsync(new ListFeaturesRequest { ClientId = TestIdentity.MiniProgram, Subject = $"citizen-{i}" });
            applicationsOn += seen.Features.Single(f => f.Flag == "Applications").State == FeatureState.On ? 1 : 0;
        }

        Assert.True(inDistrict.TotalReachable > 0);
        Assert.Contains("510106", outside.Status.Detail);
        Assert.True(byTargetedApp.TotalReachable > 0);
        Assert.NotEmpty(byDistrictStaff.Categories);
        var circleOutside = seenOutside.Features.Single(f => f.Flag == "ServiceCircle");
        Assert.Equal((FeatureState.NotForCaller, "510106"), (circleOutside.State, circleOutside.District));
        Assert.Contains("/backbone.v1.ServiceCircleService/FindNearby", circleOutside.Rpcs);
        Assert.Equal(FeatureState.On, seenOutside.Features.Single(f => f.Flag == "CaseWatch").State); // not configured
        Assert.Equal(FeatureState.On, seenForStaff.Features.Single(f => f.Flag == "ServiceCircle").State);
        Assert.InRange(applicationsOn, 25, 75); // half of the callers, by a stable hash of who they are
        var ownUnit = await notAdmin.ListFeaturesAsync(new ListFeaturesRequest { ClientId = TestIdentity.Partner }); // their unit by default
        var ownCircle = ownUnit.Features.Single(f => f.Flag == "ServiceCircle");
        Assert.Equal((FeatureState.On, "510104"), (ownCircle.State, ownCircle.District));
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => notAdmin.ListFeaturesAsync(new ListFeaturesRequest { UnitCode = "510106" }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => notAdmin.ListFeaturesAsync(new ListFeaturesRequest { Location = InJinniu }).ResponseAsync);
    }

    private static async Task<RpcException> RefusedAsync(ServiceCircleService.ServiceCircleServiceClient circle, StatusCode code) =>
        await Eventually.Get(async () =>
        {
            try
            {
                await circle.FindNearbyAsync(new FindNearbyRequest { Location = InJinniu });
                return null;
            }
            catch (RpcException e)
            {
                return e.StatusCode == code ? e : null; // until the reload, the state before
            }
        });

    private static async Task<T?> TryAsync<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>A node whose runtime settings file the test rewrites while it runs.</summary>
    private sealed class FlaggedNode : IAsyncDisposable
    {
        private readonly string _runtimeFile;

        private FlaggedNode(BackboneNode node, string runtimeFile) => (Node, _runtimeFile) = (node, runtimeFile);

        public BackboneNode Node { get; }

        public static async Task<FlaggedNode> StartAsync(string runtimeSettings)
        {
            var runtimeFile = Path.Combine(Path.GetTempPath(), $"backbone-runtime-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(runtimeFile, runtimeSettings);
            var node = await BackboneNode.StartAsync(NodeSettings.Fresh() with { ExtraArgs = [$"--Backbone:RuntimeSettingsFile={runtimeFile}"] });
            return new FlaggedNode(node, runtimeFile);
        }

        public Task WriteAsync(string settings) => File.WriteAllTextAsync(_runtimeFile, settings);

        public async Task<ServiceCircleService.ServiceCircleServiceClient> CircleAsync(string clientId, string secret) =>
            new(Node.Channel.WithToken(IdentityClient.Ensure(await Node.Identity.ClientCredentialsAsync(clientId, secret)).AccessToken!));

        public async ValueTask DisposeAsync()
        {
            await Node.DisposeAsync();
            File.Delete(_runtimeFile);
        }
    }
}

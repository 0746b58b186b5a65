using Backbone.Silo.Hosting;
using Backbone.Tests.Support;

namespace Backbone.Tests.Hosting;

public sealed class HostConfigurationTests
{
    [Theory]
    [InlineData("--Backbone:Ports:Grpc=70000", "Backbone:Ports:Grpc")]
    [InlineData("--Backbone:Ports:Web=abc", "Backbone:Ports:Web")]
    [InlineData("--Backbone:ListenAddress=localhost-ish", "Backbone:ListenAddress")]
    [InlineData("--Backbone:Cluster:Provider=Zookeeper", "Backbone:Cluster:Provider")]
    [InlineData("--Backbone:Privacy:IdNumberHashKey=c2hvcnQ=", "Backbone:Privacy:IdNumberHashKey")]
    [InlineData("--Backbone:Portz:Grpc=5100", "Portz")]
    [InlineData("--Backbone:Identity:Mode=Federated", "Backbone:Identity:Mode")]
    [InlineData("--Backbone:Identity:Mode=External", "Backbone:Identity:Authority")]
    [InlineData("--Backbone:Identity:Staff:0:Role=mayor", "Backbone:Identity:Staff:0:Role")]
    [InlineData("--Backbone:Identity:Staff:1:Unit=51010", "Backbone:Identity:Staff:1:Unit")]
    [InlineData("--Backbone:Identity:Citizens:0:Password=short", "Backbone:Identity:Citizens:0:Password")]
    [InlineData("--Backbone:Identity:Clients:0:Scopes:0=everything", "Backbone:Identity:Clients:0:Scopes")]
    [InlineData("--Backbone:ListenAddress=0.0.0.0", "Backbone:Identity:Issuer")]
    [InlineData("--Backbone:Grid:SeedFile=no-such-city.json", "Backbone:Grid:SeedFile")]
    [InlineData("--Backbone:Circle:DetourFactor=0.5", "Backbone:Circle:DetourFactor")]
    [InlineData("--Backbone:Circle:ReadFreshness=00:00:05", "Backbone:Circle:ReadFreshness")]
    [InlineData("--Backbone:Features:Paused:Teleport=00:01:00", "Backbone:Features:Paused:Teleport")]
    [InlineData("--Backbone:Cluster:Provider=Redis", "ConnectionStrings:Redis")]
    [InlineData("--Backbone:Cluster:Provider=Redis", "Backbone:Privacy:IdNumberHashKey")]
    [InlineData("--Backbone:Cluster:Provider=Redis", "Backbone:Identity:Mode must be External")]
    public void A_bad_setting_stops_the_host_with_its_key_named(string setting, string key)
    {
        var args = NodeSettings.Fresh().ToArgs().Append(setting).ToArray();

        var error = Assert.Throws<InvalidOperationException>(() => BackboneHost.Create(args));

        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task A_seeded_citizen_the_register_refuses_stops_the_host_with_its_key_named()
    {
        var args = NodeSettings.Fresh().ToArgs().Append("--Backbone:Identity:Citizens:0:IdNumber=510104199003071238").ToArray();
        await using var app = BackboneHost.Create(args);

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("Backbone:Identity:Citizens:0", error.Message);
        Assert.Contains("id_number", error.Message);
    }

    [Fact]
    public async Task A_cluster_node_whose_Redis_does_not_answer_stops_at_start_and_names_the_setting()
    {
        var closedPort = FreePorts.Take(1)[0];
        var args = (NodeSettings.Fresh() with { Authority = "http://127.0.0.1:9/" }).ToArgs().Concat(
        [
            "--Backbone:Cluster:Provider=Redis",
            $"--ConnectionStrings:Redis=127.0.0.1:{closedPort},connectTimeout=1000",
            $"--Backbone:Privacy:IdNumberHashKey={Convert.ToBase64String(new byte[32])}",
        ]).ToArray();
        await using var app = BackboneHost.Create(args);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains("ConnectionStrings:Redis", error.ToString());
    }

    [Fact]
    public void Two_ports_set_to_the_same_number_are_refused()
    {
        var settings = NodeSettings.Fresh();
        var args = (settings with { WebPort = settings.GrpcPort }).ToArgs();

        var error = Assert.Throws<InvalidOperationException>(() => BackboneHost.Create(args));

        Assert.Contains("Backbone:Ports:Grpc and Backbone:Ports:Web must differ", error.Message);
    }

    [Fact]
    public async Task A_second_host_on_a_data_directory_in_use_is_refused()
    {
        var settings = NodeSettings.Fresh();
        await using var first = await BackboneNode.StartAsync(settings);

        var error = Assert.Throws<InvalidOperationException>(() => BackboneHost.Create(settings.WithNewPorts().ToArgs()));

        Assert.Contains("in use by another Backbone process", error.Message);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_data_directory_and_the_generated_id_number_key_are_readable_by_their_owner_only()
    {
        var settings = NodeSettings.Fresh();
        await using var node = await BackboneNode.StartAsync(settings);

        var key = Path.Combine(settings.DataDirectory, "keys", "id-number-hash.key");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(settings.DataDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(32, new FileInfo(key).Length);
    }
}

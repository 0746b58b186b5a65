using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;
using Microsoft.Data.Sqlite;

namespace Backbone.Tests.Hosting;

public sealed class FailureTests
{
    [Fact]
    public async Task A_storage_failure_reaches_the_caller_as_internal_with_a_trace_id_and_no_stack_trace()
    {
        var settings = NodeSettings.Fresh();
        await using var node = await BackboneNode.StartAsync(settings);
        BreakTheStore(Path.Combine(settings.DataDirectory, "backbone.db"));

        var error = await RpcAssert.Fails(StatusCode.Internal, () => node.Citizens.RegisterCitizenAsync(TestData.Registration("张三", "重庆市渝中区解放碑")).ResponseAsync);

        Assert.Matches("trace id [0-9a-zA-Z:-]+", error.Status.Detail);
        Assert.DoesNotContain("Sqlite", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", error.Status.Detail);
        Assert.DoesNotContain(error.Trailers, t => t.Key.Contains("exception", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A real fault, injected from outside the host: its table of grain state disappears.</summary>
    private static void BreakTheStore(string databaseFile)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE grain_state";
        command.ExecuteNonQuery();
    }
}

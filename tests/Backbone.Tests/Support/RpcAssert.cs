using Google.Rpc;
using Grpc.Core;

namespace Backbone.Tests.Support;

public static class RpcAssert
{
    public static async Task<RpcException> Fails(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, error.StatusCode);
        return error;
    }

    /// <summary>The fields named by the google.rpc.BadRequest detail of an INVALID_ARGUMENT answer.</summary>
    public static IReadOnlyList<string> ViolatedFields(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
}

using Backbone.Silo.Security;
using Backbone.Tests.Support;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Backbone.Tests.Security;

[Collection(SharedNodeCollection.Name)]
public sealed class PermissionTableTests(BackboneFixture fixture)
{
    [Fact]
    public void Every_mapped_rpc_has_a_row_in_the_permission_table()
    {
        var methods = fixture.Node.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>())
            .OfType<GrpcMethodMetadata>()
            .Select(m => m.Method.FullName)
            .Distinct()
            .ToList();

        Assert.Contains("/backbone.v1.CitizenService/GetCitizen", methods);
        Assert.DoesNotContain(methods, m => !RpcPermissions.ByMethod.ContainsKey(m));
    }
}

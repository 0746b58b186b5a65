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

    [Fact]
    public void Every_rpc_of_every_mapped_service_is_implemented()
    {
        // A method left to the generated base class answers UNIMPLEMENTED to every caller.
        var services = fixture.Node.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>())
            .OfType<GrpcMethodMetadata>()
            .Select(m => m.ServiceType)
            .Where(t => t.Namespace?.StartsWith("Backbone.", StringComparison.Ordinal) == true)
            .Distinct()
            .ToList();
        var missing = services
            .SelectMany(service => service.BaseType!.GetMethods()
                .Where(m => m.IsVirtual && m.DeclaringType == service.BaseType)
                .Where(m => service.GetMethod(m.Name, [.. m.GetParameters().Select(p => p.ParameterType)])!.DeclaringType != service)
                .Select(m => $"{service.Name}.{m.Name}"))
            .ToList();

        Assert.Contains(services, s => s.Name == "GridService");
        Assert.Empty(missing);
    }
}

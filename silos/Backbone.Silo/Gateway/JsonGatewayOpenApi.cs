namespace Backbone.Silo.Gateway;

/// <summary>
/// The OpenAPI document of the JSON gateway (<c>/openapi/v1.json</c>), generated at start from the
/// protos' HTTP routes and comments (Grpc.Swagger), so it never drifts from them.
/// </summary>
public static class JsonGatewayOpenApi
{
    public static IServiceCollection AddJsonGatewayOpenApi(this IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(openApi =>
        {
            openApi.SwaggerDoc("v1", new Microsoft.OpenApi.Models.OpenApiInfo
            {
                Title = "Backbone JSON API",
                Version = "v1",
                Description = "The JSON form of the backbone's gRPC services (gRPC JSON transcoding). Every call needs 'Authorization: Bearer <access token>'.",
            });
            var protoComments = Path.Combine(AppContext.BaseDirectory, "Backbone.Protos.xml");
            openApi.IncludeGrpcXmlComments(protoComments, includeControllerXmlComments: true); // RPCs
            openApi.IncludeXmlComments(protoComments); // messages and fields
            // Message names as the protos spell them (CoHandler.Status, google.rpc.Status), so nested ones never clash.
            openApi.CustomSchemaIds(type => (type.Namespace == "Backbone.V1" ? string.Empty : type.Namespace + ".")
                + type.FullName![(type.Namespace!.Length + 1)..].Replace("+Types+", ".", StringComparison.Ordinal).Replace('+', '.'));
        });
        return services;
    }
}

namespace Backbone.Silo.Gateway;

/// <summary>The calls the web port takes for the services, told apart from the sign-on's pages and the operators' pages.</summary>
public static class GatewayRequests
{
    /// <summary>Every JSON route of the protos' <c>google.api.http</c> annotations starts with it.</summary>
    public const string JsonPathPrefix = "/v1";

    /// <summary>A JSON call, by its path (whether an RPC answers it is for routing to say).</summary>
    public static bool IsJson(HttpRequest request) => request.Path.StartsWithSegments(JsonPathPrefix);

    public const string GrpcWebContentType = "application/grpc-web";
    public const string GrpcWebTextContentType = "application/grpc-web-text";

    /// <summary>A gRPC-Web call, binary or text, by its content type.</summary>
    public static bool IsGrpcWeb(HttpRequest request) =>
        request.ContentType?.StartsWith(GrpcWebContentType, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A gRPC-Web call in text mode (base64), by its content type.</summary>
    public static bool IsGrpcWebText(HttpRequest request) =>
        request.ContentType?.StartsWith(GrpcWebTextContentType, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A JSON or gRPC-Web call: it carries its bearer token to the services, and no cookie of the sign-on's matters to it.</summary>
    public static bool IsCall(HttpRequest request) => IsJson(request) || IsGrpcWeb(request);
}

using System.Text.Json;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Silo.Errors;
using Backbone.Silo.Security;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace Backbone.Silo.Gateway;

/// <summary>
/// Guards the JSON gateway's requests before transcoding sees them, and answers what it refuses with a JSON
/// <c>google.rpc.Status</c>: a body larger than <see cref="RequestSize.MaxBytes"/> (413); a body that is not JSON, or names
/// a property twice (400; transcoding would answer a malformed body with 500); a body or query parameter that
/// does not fit the RPC's request message (400, a field violation naming each field; <see cref="JsonRequestShape"/>).
/// </summary>
public static class JsonRequestCheck
{
    // A property named twice is read by some parsers as its first value and by others as its last: refused.
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    // Other calls go straight on, without an async frame of this middleware around them.
    public static void UseJsonRequestCheck(this IApplicationBuilder app) =>
        app.Use(next => http => GatewayRequests.IsJson(http.Request)
            && http.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is { } rpc
            && (CarriesJsonBody(http.Request) || http.Request.QueryString.HasValue)
                ? CheckAsync(http, rpc, next)
                : next(http));

    // A GET (or HEAD, DELETE) carries nothing transcoding reads, whatever content type a client library labels it with.
    private static bool CarriesJsonBody(HttpRequest request) =>
        (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? false)
        && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsDelete(request.Method);

    private static async Task CheckAsync(HttpContext http, GrpcJsonTranscodingMetadata rpc, RequestDelegate next)
    {
        var request = http.Request;
        var input = rpc.MethodDescriptor.InputType;
        var bodyField = rpc.HttpRule.Body;
        var violations = new List<FieldViolation>();
        foreach (var (name, values) in request.Query.TakeWhile(_ => violations.Count < DomainException.MaxViolations))
        {
            if (BoundFromQuery(name))
            {
                JsonRequestShape.CheckQuery(name, values, input, violations);
            }
        }

        if (CarriesJsonBody(request))
        {
            if (await RequestSize.ReadBodyAsync(http, RequestSize.MaxBytes) is not { } body)
            {
                await JsonStatus.WriteAsync(http, StatusCodes.Status413PayloadTooLarge, 3, $"The body is larger than {RequestSize.MaxBytes} bytes.");
                return;
            }

            try
            {
                using var json = JsonDocument.Parse(body, Strict);
                var bodyOf = bodyField == "*" ? null : input.FindFieldByName(bodyField);
                if (bodyField == "*" || bodyOf is not null)
                {
                    JsonRequestShape.CheckBody(json.RootElement, input, bodyOf, violations);
                }
            }
            catch (JsonException e)
            {
                await JsonStatus.WriteAsync(http, StatusCodes.Status400BadRequest, 3, $"The body is not valid JSON: {e.Message}");
                return;
            }

            // Transcoding reads the body again: hand it the bytes already read.
            request.Body = new MemoryStream(body, writable: false);
        }

        if (violations.Count > 0)
        {
            await JsonStatus.WriteAsync(http, StatusCodes.Status400BadRequest, ErrorMappingInterceptor.ToStatus(DomainException.InvalidArgument(violations)));
            return;
        }

        await next(http);

        // As transcoding binds the query: to the fields that neither the route nor the body holds.
        bool BoundFromQuery(string name) => bodyField != "*" && !request.RouteValues.ContainsKey(name)
            && (bodyField.Length == 0 || (name != bodyField && !name.StartsWith(bodyField + ".", StringComparison.Ordinal)));
    }
}

using Backbone.Grains.Abstractions.Errors;

namespace Backbone.Grains;

/// <summary>The client-chosen ids that make a create request idempotent (registrations, submissions).</summary>
public static class RequestIds
{
    public const int MaxLength = 128;

    public static IReadOnlyList<FieldViolation> Validate(string? requestId) => requestId switch
    {
        null or "" => [new FieldViolation("request_id", "is required; choose a unique id (a UUID) per request and reuse it on retries")],
        { Length: > MaxLength } => [new FieldViolation("request_id", $"must be 1 to {MaxLength} visible ASCII characters")],
        _ when !requestId.All(c => c is > ' ' and <= '~') => [new FieldViolation("request_id", $"must be 1 to {MaxLength} visible ASCII characters")],
        _ => [],
    };
}

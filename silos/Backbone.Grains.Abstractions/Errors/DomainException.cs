namespace Backbone.Grains.Abstractions.Errors;

/// <summary>What kind of rule a request broke; the gRPC layer maps each kind to one status code.</summary>
public enum DomainErrorKind
{
    InvalidArgument = 1,
    NotFound = 2,
    AlreadyExists = 3,
    FailedPrecondition = 4,
    /// <summary>The caller's view of the record (its etag) is no longer current.</summary>
    Aborted = 5,
    /// <summary>The caller is known but may not do this (where the record's existence is not itself private).</summary>
    PermissionDenied = 6,
    /// <summary>Too many attempts; <see cref="DomainException.RetryAfter"/> says when to try again.</summary>
    ResourceExhausted = 7,
}

/// <summary>One field of a request and what is wrong with it, in words a partner developer understands.</summary>
[GenerateSerializer, Immutable]
public sealed record FieldViolation([property: Id(0)] string Field, [property: Id(1)] string Description);

/// <summary>
/// A domain rule was broken. Grains throw it; it crosses silo boundaries intact and the gRPC layer
/// turns it into a status with the message (and field violations) unchanged.
/// </summary>
[GenerateSerializer]
public sealed class DomainException : Exception
{
    public DomainException(DomainErrorKind kind, string message, IReadOnlyList<FieldViolation>? violations = null)
        : base(message)
    {
        Kind = kind;
        Violations = violations?.ToArray() ?? [];
    }

    [Id(0)]
    public DomainErrorKind Kind { get; }

    [Id(1)]
    public FieldViolation[] Violations { get; }

    /// <summary>For ResourceExhausted: when trying again can succeed.</summary>
    [Id(2)]
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The most fields a check of a whole request names (the request checks of the gateway and the text check): a request
    /// of many wrong fields is answered with the first of them, not with an answer larger than itself.
    /// </summary>
    public const int MaxViolations = 20;

    public static DomainException InvalidArgument(IReadOnlyList<FieldViolation> violations) =>
        new(DomainErrorKind.InvalidArgument,
            "The request has invalid fields: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")),
            violations);

    public static DomainException InvalidArgument(string field, string description) =>
        InvalidArgument([new FieldViolation(field, description)]);

    /// <summary>Throws InvalidArgument naming every violation, when there is any.</summary>
    public static void ThrowIfAny(IReadOnlyList<FieldViolation> violations)
    {
        if (violations.Count > 0)
        {
            throw InvalidArgument(violations);
        }
    }

    public static DomainException NotFound(string message) => new(DomainErrorKind.NotFound, message);

    public static DomainException AlreadyExists(string message) => new(DomainErrorKind.AlreadyExists, message);

    public static DomainException Aborted(string message) => new(DomainErrorKind.Aborted, message);

    public static DomainException FailedPrecondition(string message) => new(DomainErrorKind.FailedPrecondition, message);

    /// <summary>
    /// FailedPrecondition naming each unmet condition (the gRPC layer sends them as a
    /// google.rpc.PreconditionFailure: type <paramref name="type"/>, subject the field, description).
    /// </summary>
    public static DomainException FailedPrecondition(string message, string type, IReadOnlyList<FieldViolation> unmet) =>
        new(DomainErrorKind.FailedPrecondition, message, unmet) { PreconditionType = type };

    /// <summary>For FailedPrecondition with unmet conditions: what kind they are (e.g. MISSING_MATERIAL).</summary>
    [Id(3)]
    public string? PreconditionType { get; init; }

    public static DomainException ResourceExhausted(string message, TimeSpan retryAfter) =>
        new(DomainErrorKind.ResourceExhausted, message) { RetryAfter = retryAfter };

    public static DomainException PermissionDenied(string message) => new(DomainErrorKind.PermissionDenied, message);
}

using System.Diagnostics;
using Backbone.Grains.Abstractions.Errors;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Orleans.Storage;
using Status = Google.Rpc.Status;

namespace Backbone.Silo.Errors;

/// <summary>
/// The one place where failures become gRPC statuses: domain errors keep their message and field
/// violations; anything unexpected is logged with a trace id and reaches the caller as INTERNAL with
/// that id only, never a stack trace.
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception exception, ServerCallContext context) => exception switch
    {
        DomainException domain => ToRpcException(domain),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
            new RpcException(new Grpc.Core.Status(StatusCode.Cancelled, "The call was cancelled by the caller.")),
        InconsistentStateException => Retryable(StatusCode.Aborted, "The record changed while this request was applied; nothing was changed by it. Retry the request."),
        TimeoutException => Retryable(StatusCode.Unavailable, "The backbone did not answer in time; the request may be retried."),
        _ when IsUnreachable(exception) => Retryable(StatusCode.Unavailable,
            "A node or the store of the backbone cannot be reached just now; retry the request (a retry with the same request id is never applied twice)."),
        _ => Internal(exception, context),
    };

    /// <summary>
    /// A failure that passes by itself: the cluster's Redis is unreachable, or a node died or is leaving
    /// (its grains come back on the others). Grains drop their activation when a write fails, so the
    /// caller's retry starts from what was stored.
    /// </summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is StackExchange.Redis.RedisConnectionException or Orleans.Persistence.Redis.RedisStorageException
                or Orleans.Reminders.Redis.RedisRemindersException or OrleansMessageRejectionException
                or Orleans.Runtime.Messaging.ConnectionFailedException)
            {
                return true;
            }
        }

        return false;
    }

    public static RpcException ToRpcException(DomainException exception) => ToStatus(exception).ToRpcException();

    /// <summary>The <c>google.rpc.Status</c> of <see cref="ToRpcException"/>, for answers written outside the gRPC pipeline.</summary>
    public static Status ToStatus(DomainException exception)
    {
        var status = new Status { Code = (int)ToCode(exception.Kind), Message = exception.Message };
        if (exception.PreconditionType is { } type)
        {
            var failure = new PreconditionFailure();
            failure.Violations.AddRange(exception.Violations.Select(v =>
                new PreconditionFailure.Types.Violation { Type = type, Subject = v.Field, Description = v.Description }));
            status.Details.Add(Any.Pack(failure));
        }
        else if (exception.Violations.Length > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.AddRange(exception.Violations.Select(v =>
                new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
            status.Details.Add(Any.Pack(badRequest));
        }

        if (exception.RetryAfter is { } after)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(after) }));
        }

        return status;
    }

    private static Code ToCode(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.InvalidArgument => Code.InvalidArgument,
        DomainErrorKind.NotFound => Code.NotFound,
        DomainErrorKind.AlreadyExists => Code.AlreadyExists,
        DomainErrorKind.FailedPrecondition => Code.FailedPrecondition,
        DomainErrorKind.Aborted => Code.Aborted,
        DomainErrorKind.PermissionDenied => Code.PermissionDenied,
        DomainErrorKind.ResourceExhausted => Code.ResourceExhausted,
        _ => Code.Internal,
    };

    /// <summary>A status that tells the client to try again after <paramref name="after"/> (one second by default).</summary>
    public static RpcException Retryable(StatusCode code, string message, TimeSpan? after = null) =>
        RetryableStatus(code, message, after).ToRpcException();

    /// <summary>The <c>google.rpc.Status</c> of <see cref="Retryable"/>, for answers written outside the gRPC pipeline.</summary>
    public static Status RetryableStatus(StatusCode code, string message, TimeSpan? after = null)
    {
        var status = new Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(after ?? TimeSpan.FromSeconds(1)) }));
        return status;
    }

    /// <summary>
    /// gRPC's retry pushback (gRFC A6): a client that retries by itself (this SDK; Go's, Java's and C++'s gRPC with
    /// a retry policy) makes no further attempt when it is negative.
    /// </summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>
    /// A refusal that asks the caller to come back later (peak mode, a paused feature): its <c>RetryInfo</c>
    /// says when, and the pushback stops clients' automatic retries. Retried within a second or two, as
    /// clients do after a passing failure, it would only be refused again, and each refused call would be
    /// sent up to four times in a flood that is already too much.
    /// </summary>
    public static RpcException ComeBackLater(Status status)
    {
        var exception = status.ToRpcException();
        exception.Trailers.Add(RetryPushbackTrailer, "-1");
        return exception;
    }

    private RpcException Internal(Exception exception, ServerCallContext context)
    {
        var traceId = Activity.Current?.TraceId.ToString() ?? context.GetHttpContext().TraceIdentifier;
        LogUnexpected(exception, context.Method, traceId);
        return new RpcException(new Grpc.Core.Status(
            StatusCode.Internal, $"An internal error occurred; quote trace id {traceId} when reporting it."));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method} (trace id {TraceId})")]
    private partial void LogUnexpected(Exception exception, string method, string traceId);
}

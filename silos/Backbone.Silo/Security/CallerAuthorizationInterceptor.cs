using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Silo.Security;

/// <summary>
/// Every call passes here first: its bearer token is validated (locally, with cached keys), and the call
/// must need a scope the token has, from a kind of caller its row allows. No token or a bad one gives
/// UNAUTHENTICATED; a good token without the right gives PERMISSION_DENIED; a caller over its rate
/// gives RESOURCE_EXHAUSTED; a deferrable call in peak mode gives UNAVAILABLE; a call its feature flag
/// does not serve to this caller gives UNIMPLEMENTED (not rolled out) or UNAVAILABLE (paused).
/// </summary>
public sealed class CallerAuthorizationInterceptor(ValidatedTokens validated, CallerRateLimits limits, Gateway.PeakMode peak, Gateway.FeatureGate features)
    : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using (await AuthorizeAsync(context, request))
        {
            return await continuation(request, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        // A stream (a watch) may stay open for hours: it is not a call in flight for peak mode.
        (await AuthorizeAsync(context, request)).Dispose();
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using (await AuthorizeAsync(context, request: null))
        {
            return await continuation(requestStream, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        (await AuthorizeAsync(context, request: null)).Dispose();
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>Admits the call or throws; the answer, disposed when the call ends, keeps it counted as in flight.</summary>
    private async ValueTask<IDisposable> AuthorizeAsync(ServerCallContext context, object? request)
    {
        if (!RpcPermissions.ByMethod.TryGetValue(context.Method, out var permission))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{context.Method} has no entry in the permission table."));
        }

        var call = peak.Admit(context.Method, permission.IsDeferrable); // refused first: peak mode must cost nothing
        try
        {
            if (!permission.IsPublic)
            {
                var caller = await AdmitCallerAsync(context, permission);
                if (permission.Feature is { } feature)
                {
                    await features.AdmitAsync(context.Method, feature, caller, request);
                }
            }

            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    private async ValueTask<Caller> AdmitCallerAsync(ServerCallContext context, RpcPermission permission)
    {
        var caller = await AuthenticateAsync(context);
        if (!permission.ScopeByCaller.TryGetValue(caller.Kind, out var scope))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method} is not open to {(caller.Kind.Length > 0 ? caller.Kind : "unknown")} tokens."));
        }

        if (!caller.Scopes.Contains(scope))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{context.Method} needs the scope {scope}, which this token lacks."));
        }

        limits.Admit(context.Method, caller);
        context.SetCaller(caller);
        return caller;
    }

    private async ValueTask<Caller> AuthenticateAsync(ServerCallContext context)
    {
        var authorization = context.RequestHeaders.GetValue("authorization");
        if (authorization is not null && validated.TryGet(authorization, out var known))
        {
            return known!;
        }

        var result = await context.GetHttpContext().AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!result.Succeeded)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, result.Failure switch
            {
                null => "An access token is required: send the metadata 'authorization: Bearer <token>'.",
                SecurityTokenExpiredException => "The access token has expired; get a new one.",
                _ => "The access token is not valid for the backbone (signature, issuer, audience, type or lifetime).",
            }));
        }

        var caller = Caller.FromPrincipal(result.Principal);
        if (authorization is not null && result.Properties?.ExpiresUtc is { } expires)
        {
            validated.Add(authorization, caller, expires);
        }

        return caller;
    }
}

using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Backbone.Silo.Errors;

/// <summary>
/// A gRPC request whose bytes are no valid message of its type (cut short, a wrong wire type, a string that is not
/// UTF-8) is refused with <c>INVALID_ARGUMENT</c> naming the type and what is wrong. grpc-dotnet reads the request
/// before any interceptor runs, and answered such bytes with <c>UNKNOWN</c> "Exception was thrown by handler." and an
/// error in the log with its stack trace: for every such call, before the caller's token was even looked at.
/// </summary>
/// <remarks>
/// grpc-dotnet has no setting for it, so this replaces its binder of generated services (internal
/// <c>BinderServiceMethodProvider</c>) with one that does the same, as <see cref="Provider{TService}"/>, with each request
/// marshaller wrapped. The JSON gateway's provider reads JSON itself and is left as it is.
/// </remarks>
public static class UnreadableRequests
{
    public static IServiceCollection RefuseUnreadableRequests(this IServiceCollection services)
    {
        var binder = services.FirstOrDefault(s => s.ServiceType == typeof(IServiceMethodProvider<>)
            && s.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true)
            ?? throw new InvalidOperationException("grpc-dotnet's binder of generated services is not registered as it was (call AddGrpc first; " +
                "if grpc-dotnet changed, revisit UnreadableRequests).");
        services[services.IndexOf(binder)] = ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(Provider<>));
        if (services.Any(s => s.ImplementationType == binder.ImplementationType))
        {
            throw new InvalidOperationException("grpc-dotnet's binder is registered twice: call RefuseUnreadableRequests after every AddGrpc*.");
        }

        return services;
    }

    /// <summary>Binds a generated service's methods through its <c>BindService</c>, as grpc-dotnet does, with each request marshaller wrapped.</summary>
    public sealed class Provider<TService> : IServiceMethodProvider<TService>
        where TService : class
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } bind)
                {
                    var method = bind.BindType.GetMethod(bind.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), type])
                        ?? throw new InvalidOperationException($"{bind.BindType} has no {bind.BindMethodName}(ServiceBinderBase, {type.Name}).");
                    method.Invoke(null, [new Binder(context, type), null]);
                    return;
                }
            }
        }

        private sealed class Binder(ServiceMethodProviderContext<TService> context, Type generatedBase) : ServiceBinderBase
        {
            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
                context.AddUnaryMethod(Checked(method), Metadata(method.Name, out var handlerMethod),
                    handlerMethod.CreateDelegate<UnaryServerMethod<TService, TRequest, TResponse>>());

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
                context.AddServerStreamingMethod(Checked(method), Metadata(method.Name, out var handlerMethod),
                    handlerMethod.CreateDelegate<ServerStreamingServerMethod<TService, TRequest, TResponse>>());

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
                context.AddClientStreamingMethod(Checked(method), Metadata(method.Name, out var handlerMethod),
                    handlerMethod.CreateDelegate<ClientStreamingServerMethod<TService, TRequest, TResponse>>());

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
                context.AddDuplexStreamingMethod(Checked(method), Metadata(method.Name, out var handlerMethod),
                    handlerMethod.CreateDelegate<DuplexStreamingServerMethod<TService, TRequest, TResponse>>());

            // The service's method (its override of the generated one, or the generated one, which answers UNIMPLEMENTED),
            // and the metadata grpc-dotnet gives its endpoint: the service's and the method's attributes, and POST (CORS
            // preflights accepted, as grpc-dotnet does).
            private List<object> Metadata(string name, out MethodInfo handlerMethod)
            {
                handlerMethod = typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance)
                    .Single(m => m.Name == name && m.GetBaseDefinition().DeclaringType == generatedBase);
                return
                [
                    .. typeof(TService).GetCustomAttributes(inherit: true),
                    .. handlerMethod.GetCustomAttributes(inherit: true),
                    new HttpMethodMetadata(["POST"], acceptCorsPreflight: true),
                ];
            }
        }
    }

    private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var read = method.RequestMarshaller.ContextualDeserializer;
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, new Marshaller<TRequest>(
            method.RequestMarshaller.ContextualSerializer,
            request =>
            {
                try
                {
                    return read(request);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"The request is not a valid {typeof(TRequest).Name}: {e.Message}"));
                }
            }), method.ResponseMarshaller);
    }
}

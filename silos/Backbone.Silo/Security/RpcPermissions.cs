using System.Collections.Frozen;
using Backbone.Identity;

namespace Backbone.Silo.Security;

/// <summary>What a call needs: a token with <see cref="Scope"/>, from one of <see cref="Callers"/>. Ownership is checked by the service.</summary>
public sealed record RpcPermission(string? Scope, IReadOnlySet<string> Callers)
{
    /// <summary>No token needed (health and reflection).</summary>
    public static readonly RpcPermission Public = new(null, new HashSet<string>());

    public bool IsPublic => Scope is null;

    public static RpcPermission Needs(string scope, params string[] callers) => new(scope, callers.ToHashSet(StringComparer.Ordinal));
}

/// <summary>
/// The one table of who may call which RPC. A method missing here is refused for everyone, and a test
/// checks every mapped method has its row.
/// </summary>
public static class RpcPermissions
{
    private const string Citizen = CallerKinds.Citizen;
    private const string Staff = CallerKinds.Staff;
    private const string App = CallerKinds.App;

    public static readonly FrozenDictionary<string, RpcPermission> ByMethod = new Dictionary<string, RpcPermission>(StringComparer.Ordinal)
    {
        ["/grpc.health.v1.Health/Check"] = RpcPermission.Public,
        ["/grpc.health.v1.Health/Watch"] = RpcPermission.Public,
        ["/grpc.health.v1.Health/List"] = RpcPermission.Public,
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = RpcPermission.Public,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = RpcPermission.Public,

        // Citizens join by signing up at the identity provider; departments and staff register them here.
        [Citizens("RegisterCitizen")] = RpcPermission.Needs(BackboneScopes.CitizenRegister, App, Staff),
        [Citizens("GetCitizen")] = RpcPermission.Needs(BackboneScopes.CitizenProfile, Citizen, App, Staff),
        [Citizens("UpdateCitizen")] = RpcPermission.Needs(BackboneScopes.CitizenUpdate, Citizen, App, Staff),

        [Grid("GetUnit")] = RpcPermission.Needs(BackboneScopes.GridRead, Citizen, App, Staff),
        [Grid("ListChildUnits")] = RpcPermission.Needs(BackboneScopes.GridRead, Citizen, App, Staff),
        [Grid("LocateUnit")] = RpcPermission.Needs(BackboneScopes.GridRead, Citizen, App, Staff),
        // City administrators only: the service checks the role.
        [Grid("UpdateUnit")] = RpcPermission.Needs(BackboneScopes.GridManage, Staff),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static string Citizens(string method) => $"/{V1.CitizenService.Descriptor.FullName}/{method}";

    private static string Grid(string method) => $"/{V1.GridService.Descriptor.FullName}/{method}";
}

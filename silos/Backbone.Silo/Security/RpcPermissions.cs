using System.Collections.Frozen;
using Backbone.Grains.Abstractions.Access;
using Backbone.Identity;

namespace Backbone.Silo.Security;

/// <summary>
/// What a call needs: a token of a kind of caller the row names, carrying the scope it names for that
/// kind. Ownership (whose record, which unit) is checked by the service and the grains.
/// </summary>
public sealed record RpcPermission(
    IReadOnlyDictionary<string, string> ScopeByCaller, bool IsPublic = false, bool IsDeferrable = false, string? Feature = null)
{
    /// <summary>This row, as a call peak mode refuses (listings, statistics, feeds): it can wait, others cannot.</summary>
    public RpcPermission Deferrable() => this with { IsDeferrable = true };

    /// <summary>This row, switched on and off (per district, app, share of callers) by the feature flag <paramref name="feature"/>.</summary>
    public RpcPermission GatedBy(string feature) => this with { Feature = feature };

    /// <summary>No token needed (health and reflection).</summary>
    public static readonly RpcPermission Public = new(new Dictionary<string, string>(), IsPublic: true);

    public static RpcPermission Needs(string scope, params string[] callers) => new(callers.ToDictionary(c => c, _ => scope, StringComparer.Ordinal));

    /// <summary>This row, also open to <paramref name="callers"/> with <paramref name="scope"/>.</summary>
    public RpcPermission Or(string scope, params string[] callers) =>
        this with { ScopeByCaller = ScopeByCaller.Concat(callers.Select(c => KeyValuePair.Create(c, scope))).ToDictionary(StringComparer.Ordinal) };
}

/// <summary>
/// The one table of who may call which RPC, which calls peak mode defers, and which feature flag gates
/// which calls (<see cref="Features"/>). A method missing here is refused for everyone, and a test
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
        [Grid("ListChildUnits")] = RpcPermission.Needs(BackboneScopes.GridRead, Citizen, App, Staff).Deferrable(),
        [Grid("LocateUnit")] = RpcPermission.Needs(BackboneScopes.GridRead, Citizen, App, Staff),
        // City administrators only: the service checks the role.
        [Grid("UpdateUnit")] = RpcPermission.Needs(BackboneScopes.GridManage, Staff),
        // Directives: district and city staff issue (the service checks the unit); every unit's staff acknowledge for their unit.
        [Grid("IssueDirective")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Grid("GetDirective")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Grid("WatchDirective")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Grid("ListDirectives")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff).Deferrable(),
        [Grid("WatchDirectives")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Grid("AcknowledgeDirective")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),

        [Cases("SubmitAppeal")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen),
        [Cases("SubmitApplication")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen).GatedBy(Features.Applications),
        [Cases("ResubmitApplication")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen).GatedBy(Features.Applications),
        [Cases("RequestSupplement")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff).GatedBy(Features.Applications),
        [Cases("DecideApplication")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff).GatedBy(Features.Applications),
        [Cases("GetCase")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen).Or(BackboneScopes.CasesHandle, Staff),
        [Cases("ListMyCases")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen).Deferrable(),
        [Cases("ListCases")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff).Deferrable(),
        // Dispatchers only: the case grain checks the role.
        [Cases("DispatchCase")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("AcceptCase")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("ReturnCase")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("StartCase")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("ReplyCase")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("InviteCoHandler")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("ReportCoHandling")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("ReleaseCoHandler")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        // Dispatchers only: the case grains check the role.
        [Cases("MergeCases")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Cases("RateCase")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen),
        [Cases("WatchCase")] = RpcPermission.Needs(BackboneScopes.CasesSubmit, Citizen).Or(BackboneScopes.CasesHandle, Staff).GatedBy(Features.CaseWatch),
        [Cases("WatchUnitCases")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff).Deferrable().GatedBy(Features.CaseWatch),
        [Cases("GetUnitStats")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff).Deferrable(),

        // Staff maintain the facilities of their unit's subtree only: the service checks the unit.
        [Circle("UpsertFacility")] = RpcPermission.Needs(BackboneScopes.CircleManage, App, Staff).GatedBy(Features.ServiceCircle),
        [Circle("RemoveFacility")] = RpcPermission.Needs(BackboneScopes.CircleManage, App, Staff).GatedBy(Features.ServiceCircle),
        [Circle("GetFacility")] = RpcPermission.Needs(BackboneScopes.CircleRead, Citizen, App, Staff).GatedBy(Features.ServiceCircle),
        [Circle("ListFacilityCategories")] = RpcPermission.Needs(BackboneScopes.CircleRead, Citizen, App, Staff).GatedBy(Features.ServiceCircle),
        [Circle("FindNearby")] = RpcPermission.Needs(BackboneScopes.CircleRead, Citizen, App, Staff).Deferrable().GatedBy(Features.ServiceCircle),
        // Planning: departments and staff, not residents.
        [Circle("AnalyzeCoverage")] = RpcPermission.Needs(BackboneScopes.CircleRead, App, Staff).Deferrable().GatedBy(Features.ServiceCircle),

        // The registration authority registers, changes and deregisters (staff within their unit); the
        // legal representative deregisters too. Reads by others state a purpose and are logged.
        [Enterprises("RegisterEnterprise")] = RpcPermission.Needs(BackboneScopes.EnterpriseManage, App, Staff),
        [Enterprises("GetEnterprise")] = RpcPermission.Needs(BackboneScopes.EnterpriseRead, App, Staff).Or(BackboneScopes.CitizenProfile, Citizen),
        [Enterprises("UpdateEnterprise")] = RpcPermission.Needs(BackboneScopes.EnterpriseManage, App, Staff),
        [Enterprises("DeregisterEnterprise")] = RpcPermission.Needs(BackboneScopes.EnterpriseManage, App, Staff).Or(BackboneScopes.CasesSubmit, Citizen),
        [Enterprises("ListEnterpriseLicences")] = RpcPermission.Needs(BackboneScopes.EnterpriseRead, App, Staff).Or(BackboneScopes.CitizenProfile, Citizen),

        // Holders list theirs (essential on a health-code morning); verification is essential too.
        [Certificates("ListMyCertificates")] = RpcPermission.Needs(BackboneScopes.CertificatesRead, Citizen),
        [Certificates("VerifyCertificate")] = RpcPermission.Needs(BackboneScopes.CertificatesVerify, App, Staff),
        // Staff of the issuing unit: the service checks the unit.
        [Certificates("RevokeCertificate")] = RpcPermission.Needs(BackboneScopes.CasesHandle, Staff),
        [Citizens("ListMyDataAccess")] = RpcPermission.Needs(BackboneScopes.CitizenProfile, Citizen).Deferrable(),

        // The catalogue is public information.
        [Catalog("ListMatters")] = RpcPermission.Public,
        [Catalog("GetMatter")] = RpcPermission.Public,
        [Catalog("ListBundles")] = RpcPermission.Public,

        // City administrators only: the service checks the role.
        [Operations("ListFeatures")] = RpcPermission.Needs(BackboneScopes.GridRead, Staff),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static string Citizens(string method) => $"/{V1.CitizenService.Descriptor.FullName}/{method}";

    private static string Cases(string method) => $"/{V1.CaseService.Descriptor.FullName}/{method}";

    private static string Operations(string method) => $"/{V1.OperationsService.Descriptor.FullName}/{method}";

    private static string Circle(string method) => $"/{V1.ServiceCircleService.Descriptor.FullName}/{method}";

    private static string Enterprises(string method) => $"/{V1.EnterpriseService.Descriptor.FullName}/{method}";

    private static string Certificates(string method) => $"/{V1.CertificateService.Descriptor.FullName}/{method}";

    private static string Catalog(string method) => $"/{V1.CatalogService.Descriptor.FullName}/{method}";

    private static string Grid(string method) => $"/{V1.GridService.Descriptor.FullName}/{method}";
}

/// <summary>The feature flags (configuration section <c>FeatureManagement</c>), each gating the RPCs that name it above.</summary>
public static class Features
{
    public const string ServiceCircle = "ServiceCircle";
    public const string Applications = "Applications";
    public const string CaseWatch = "CaseWatch";

    public static readonly IReadOnlyList<string> All = [ServiceCircle, Applications, CaseWatch];
}

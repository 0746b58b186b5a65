using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Catalog;
using Backbone.V1;
using Grpc.Core;
using Bundle = Backbone.V1.Bundle;
using BundlePart = Backbone.V1.BundlePart;
using Matter = Backbone.V1.Matter;

namespace Backbone.Silo.Catalog;

/// <summary>The service catalogue over gRPC: public reads of the seeded matters and bundles.</summary>
public sealed class CatalogService(ServiceCatalog catalog) : V1.CatalogService.CatalogServiceBase
{
    public const int MaxQueryLength = 50;

    public override Task<ListMattersResponse> ListMatters(ListMattersRequest request, ServerCallContext context)
    {
        var violations = new List<FieldViolation>();
        if (request.Audience != Audience.Unspecified && !Enum.IsDefined(request.Audience))
        {
            violations.Add(new FieldViolation("audience", "is not an audience"));
        }

        if (request.Query.Length > MaxQueryLength)
        {
            violations.Add(new FieldViolation("query", $"must be at most {MaxQueryLength} characters"));
        }

        DomainException.ThrowIfAny(violations);
        var query = request.Query.Trim();
        var matters = catalog.Matters.Where(m =>
            (request.Department.Length == 0 || m.Department == request.Department || m.DepartmentEn == request.Department)
            && (request.Audience == Audience.Unspecified || (int)m.Audience == (int)request.Audience)
            && (query.Length == 0 || new[] { m.Name, m.NameEn, m.Department, m.DepartmentEn, m.Keywords, m.Code }
                .Any(text => text.Contains(query, StringComparison.OrdinalIgnoreCase))));
        return Task.FromResult(new ListMattersResponse { Matters = { matters.Select(ToProto) } });
    }

    public override Task<Matter> GetMatter(GetMatterRequest request, ServerCallContext context) =>
        Task.FromResult(catalog.FindMatter(request.Code) is { } matter
            ? ToProto(matter)
            : throw DomainException.NotFound($"No matter with code {request.Code} is in the catalogue."));

    public override Task<ListBundlesResponse> ListBundles(ListBundlesRequest request, ServerCallContext context) =>
        Task.FromResult(new ListBundlesResponse
        {
            Bundles =
            {
                catalog.Bundles.Select(b => new Bundle
                {
                    Code = b.Code,
                    Name = b.Name,
                    NameEn = b.NameEn,
                    Audience = (Audience)b.Audience,
                    Parts = { b.Parts.Select(p => new BundlePart { Matter = p.Matter, After = p.After ?? string.Empty }) },
                }),
            },
        });

    private static Matter ToProto(Grains.Catalog.Matter m) => new()
    {
        Code = m.Code,
        Name = m.Name,
        NameEn = m.NameEn,
        Department = m.Department,
        DepartmentEn = m.DepartmentEn,
        Audience = m.Audience == HolderKind.Citizen ? Audience.Citizen : Audience.Enterprise,
        Handling = (HandlingType)m.Handling,
        CommitmentDays = m.CommitmentDays,
        FullyOnline = m.FullyOnline,
        MaxVisits = m.MaxVisits,
        FeeYuan = (double)m.FeeYuan,
        Materials =
        {
            m.Materials.Select(r => new MaterialRequirement { Code = r.Code, Name = r.Name, NameEn = r.NameEn, SatisfiedBy = { r.SatisfiedBy } }),
        },
        IssuesCertificate = m.Issues ?? string.Empty,
        HandlingLevel = m.Level.ToString().ToUpperInvariant(),
    };
}

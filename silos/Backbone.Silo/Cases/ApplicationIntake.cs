using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Enterprises;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Cases;
using Backbone.Grains.Catalog;
using Backbone.Grains.Certificates;
using Backbone.Grains.Grid;
using Backbone.Silo.Enterprises;
using Backbone.V1;
using Bundle = Backbone.Grains.Catalog.Bundle;
using BundlePart = Backbone.Grains.Catalog.BundlePart;
using CaseKind = Backbone.Grains.Abstractions.Cases.CaseKind;
using Matter = Backbone.Grains.Catalog.Matter;

namespace Backbone.Silo.Cases;

/// <summary>
/// Turns a SubmitApplication request into the case to create: checks the request, the enterprise it is
/// made for, and resolves every required material "once-only" (what the city holds is attached; the
/// rest must be uploaded, or the request fails listing exactly what is missing). Nothing is written.
/// </summary>
public sealed class ApplicationIntake(
    IGrainFactory grains, ServiceCatalog catalog, CaseCategories categories, GridSeed grid, CertificateIssuer certificates, TimeProvider clock)
{
    public const int MaxMaterialCodeLength = 64;

    public async Task<NewCase> Prepare(SubmitApplicationRequest request, string citizenId)
    {
        var violations = new List<FieldViolation>();
        Bundle? bundle = null;
        if (request.Bundle.Length > 0)
        {
            bundle = catalog.FindBundle(request.Bundle);
            if (bundle is null)
            {
                violations.Add(new FieldViolation("bundle", $"must be one of: {string.Join(", ", catalog.Bundles.Select(b => b.Code))}"));
            }

            if (request.Service.Length > 0)
            {
                violations.Add(new FieldViolation("service", "must be empty when bundle is given: apply for one matter or one bundle"));
            }
        }

        var parts = bundle?.Parts ?? [new BundlePart(request.Service, null)];
        var matters = parts.Select(p => catalog.FindMatter(p.Matter)).OfType<Matter>().ToList();
        violations.AddRange(CaseRules.ValidateSubmission(
            CaseKind.Application, citizenId, request.RequestId, bundle is null ? request.Service : parts[0].Matter, request.Description,
            request.Location?.Latitude, request.Location?.Longitude, request.Address, request.AttachmentRefs, categories, grid, out var application,
            categoryField: "service").Where(v => request.Bundle.Length == 0 || v.Field != "service"));
        var provided = ValidateProvided(request.Materials, matters, violations);
        var audience = bundle?.Audience ?? matters.FirstOrDefault()?.Audience;
        var enterpriseCode = request.EnterpriseCreditCode;
        if (audience == HolderKind.Enterprise && CreditCode.Problem(enterpriseCode) is { } problem)
        {
            violations.Add(new FieldViolation("enterprise_credit_code", enterpriseCode.Length == 0
                ? "is required: this matter is for enterprises"
                : problem));
        }
        else if (audience == HolderKind.Citizen && enterpriseCode.Length > 0)
        {
            violations.Add(new FieldViolation("enterprise_credit_code", "must be empty: this matter is for citizens"));
        }

        DomainException.ThrowIfAny(violations);
        if (enterpriseCode.Length > 0)
        {
            var enterprise = await EnterpriseAccess.Linked(grains, enterpriseCode, citizenId);
            if (enterprise.Stage == Grains.Abstractions.Enterprises.EnterpriseStage.Deregistered)
            {
                throw DomainException.FailedPrecondition($"Enterprise {enterpriseCode} is deregistered: it applies for nothing more.");
            }
        }

        var held = await certificates.HeldBy(Holder.Citizen(citizenId));
        if (enterpriseCode.Length > 0)
        {
            held = [.. await certificates.HeldBy(Holder.Enterprise(enterpriseCode)), .. held];
        }

        var now = clock.GetUtcNow();
        var missing = new List<FieldViolation>();
        var resolved = new List<NewCasePart>();
        foreach (var part in parts)
        {
            var matter = catalog.FindMatter(part.Matter)!;
            var result = OnceOnly.Resolve(matter, provided, held, citizenId, enterpriseCode, IssuedBefore(part, parts), now);
            missing.AddRange(result.Missing
                .Where(m => missing.All(v => v.Field != m.Code))
                .Select(m => new FieldViolation(m.Code, $"{m.Name} / {m.NameEn} ({matter.Name})")));
            var rule = categories.Find(matter.Code)!;
            resolved.Add(new NewCasePart(
                application! with
                {
                    Category = matter.Code,
                    RoutedUnitCode = CaseCategories.Route(rule, application.GridCode),
                    AcceptWithin = rule.AcceptWithin,
                    ResolveWithin = rule.ResolveWithin,
                    RateWithin = rule.RateWithin,
                    EnterpriseCode = enterpriseCode,
                    Materials = result.Attached,
                },
                part.After ?? string.Empty));
        }

        if (missing.Count > 0)
        {
            throw DomainException.FailedPrecondition(
                "Materials the city does not hold are missing; upload them in materials: " + string.Join("; ", missing.Select(m => $"{m.Field} ({m.Description})")),
                "MISSING_MATERIAL", missing);
        }

        return bundle is null
            ? resolved[0].Application
            : application! with { Category = bundle.Code, EnterpriseCode = enterpriseCode, Parts = resolved };
    }

    /// <summary>The certificate types the parts <paramref name="part"/> waits for (directly or through others) issue.</summary>
    private IReadOnlySet<string> IssuedBefore(BundlePart part, IReadOnlyList<BundlePart> parts)
    {
        var issued = new HashSet<string>(StringComparer.Ordinal);
        for (var after = part.After; after is not null; after = parts.First(p => p.Matter == after).After)
        {
            if (catalog.FindMatter(after)?.Issues is { } type)
            {
                issued.Add(type);
            }
        }

        return issued;
    }

    private static Dictionary<string, string> ValidateProvided(IReadOnlyList<ProvidedMaterial> materials, IReadOnlyList<Matter> matters, List<FieldViolation> violations)
    {
        var provided = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < materials.Count; i++)
        {
            var (code, reference) = (materials[i].Code, materials[i].AttachmentRef);
            if (matters.Count > 0 && !matters.Any(m => m.Materials.Any(r => r.Code == code)))
            {
                violations.Add(new FieldViolation($"materials[{i}].code",
                    $"is not a material of {string.Join(", ", matters.Select(m => m.Code))}; they need: {string.Join(", ", matters.SelectMany(m => m.Materials).Select(r => r.Code).Distinct())}"));
            }
            else if (!provided.TryAdd(code, reference))
            {
                violations.Add(new FieldViolation($"materials[{i}].code", $"names {code} a second time"));
            }

            violations.AddRange(CaseRules.ValidateAttachments([reference], $"materials[{i}].attachment_ref"));
        }

        if (materials.Count > CaseRules.MaxAttachments * 2)
        {
            violations.Add(new FieldViolation("materials", $"must be at most {CaseRules.MaxAttachments * 2}"));
        }

        return provided;
    }
}

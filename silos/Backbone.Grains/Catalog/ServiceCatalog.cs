using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Grid;
using Backbone.Grains.Cases;

namespace Backbone.Grains.Catalog;

/// <summary>A kind of electronic certificate (电子证照): who holds it, its number prefix, how long it is valid (0 months: no end).</summary>
public sealed record CertificateType(string Code, string Name, string NameEn, HolderKind Holder, string Prefix, int ValidMonths);

/// <summary>
/// A material a matter requires, and what the city may already hold in its place: a certificate type,
/// <c>citizen-record</c> (the applicant's register entry) or <c>enterprise-record</c> (the enterprise's).
/// Nothing listed: the applicant provides it.
/// </summary>
public sealed record Material(string Code, string Name, string NameEn, IReadOnlyList<string> SatisfiedBy)
{
    public const string CitizenRecord = "citizen-record";
    public const string EnterpriseRecord = "enterprise-record";
}

public enum Handling
{
    /// <summary>即办件: decided on the spot.</summary>
    Immediate = 1,

    /// <summary>承诺件: decided within the commitment days.</summary>
    Promised = 2,
}

/// <summary>One service matter (政务服务事项) of the catalogue.</summary>
public sealed record Matter(
    string Code, string Name, string NameEn, string Department, string DepartmentEn, HolderKind Audience, UnitLevel Level, Handling Handling,
    int CommitmentDays, bool FullyOnline, int MaxVisits, decimal FeeYuan, IReadOnlyList<Material> Materials, string? Issues, string Keywords);

/// <summary>One matter of a bundle; it starts once the matter named <see cref="After"/> (if any) is approved.</summary>
public sealed record BundlePart(string Matter, string? After);

/// <summary>"One thing, one submission" (一件事一次办): matters applied for together as one case.</summary>
public sealed record Bundle(string Code, string Name, string NameEn, HolderKind Audience, IReadOnlyList<BundlePart> Parts);

/// <summary>
/// The service catalogue, read once from the seed file (see <c>seeds/catalog-5101.json</c>) and checked
/// whole: unknown certificate types, duplicate codes, bundles naming a matter twice or waiting on a
/// matter they do not hold stop the host with the entry named.
/// </summary>
public sealed class ServiceCatalog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly FrozenDictionary<string, Matter> _matters;
    private readonly FrozenDictionary<string, Bundle> _bundles;
    private readonly FrozenDictionary<string, CertificateType> _certificateTypes;

    public ServiceCatalog(IEnumerable<CertificateType> certificateTypes, IEnumerable<Matter> matters, IEnumerable<Bundle> bundles)
    {
        _certificateTypes = Unique(certificateTypes, t => t.Code, "certificate type");
        _matters = Unique(matters, m => m.Code, "matter");
        _bundles = Unique(bundles, b => b.Code, "bundle");
        foreach (var matter in _matters.Values)
        {
            var unknown = matter.Materials.SelectMany(m => m.SatisfiedBy)
                .Where(s => s is not (Material.CitizenRecord or Material.EnterpriseRecord) && !_certificateTypes.ContainsKey(s))
                .Concat(matter.Issues is { } issued && !_certificateTypes.ContainsKey(issued) ? [issued] : []);
            if (unknown.FirstOrDefault() is { } bad)
            {
                throw new InvalidDataException($"Matter {matter.Code} names the unknown certificate type {bad}.");
            }
        }

        foreach (var bundle in _bundles.Values)
        {
            if (BundleProblem(bundle.Parts) is { } problem)
            {
                throw new InvalidDataException($"Bundle {bundle.Code}: {problem}.");
            }
        }
    }

    public IEnumerable<Matter> Matters => _matters.Values.OrderBy(m => m.Code, StringComparer.Ordinal);

    public IEnumerable<Bundle> Bundles => _bundles.Values.OrderBy(b => b.Code, StringComparer.Ordinal);

    public Matter? FindMatter(string code) => _matters.GetValueOrDefault(code);

    public Bundle? FindBundle(string code) => _bundles.GetValueOrDefault(code);

    public CertificateType? FindCertificateType(string code) => _certificateTypes.GetValueOrDefault(code);

    /// <summary>What is wrong with a list of bundle parts (unknown matters, a matter twice, waiting on a matter not in it); null when nothing.</summary>
    public string? BundleProblem(IReadOnlyList<BundlePart> parts)
    {
        if (parts.Count == 0)
        {
            return "names no matter";
        }

        if (parts.FirstOrDefault(p => !_matters.ContainsKey(p.Matter)) is { } unknown)
        {
            return $"names the unknown matter {unknown.Matter}";
        }

        if (parts.GroupBy(p => p.Matter).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return $"names the matter {twice.Key} twice";
        }

        if (parts.FirstOrDefault(p => p.After is { } after && (after == p.Matter || parts.All(q => q.Matter != after))) is { } dangling)
        {
            return $"matter {dangling.Matter} waits for {dangling.After}, which is not another part of it";
        }

        // Every part must be reachable from the parts that wait for nothing (no cycles).
        var started = parts.Where(p => p.After is null).Select(p => p.Matter).ToHashSet(StringComparer.Ordinal);
        while (parts.FirstOrDefault(p => !started.Contains(p.Matter) && started.Contains(p.After!)) is { } next)
        {
            started.Add(next.Matter);
        }

        return started.Count == parts.Count ? null : "its parts wait for each other in a circle";
    }

    /// <summary>
    /// The matters as service items of the case flow: handled at their level's unit of the applicant's
    /// place, accepted within a day (an hour when immediate), decided within the commitment working days.
    /// </summary>
    public IEnumerable<CaseCategory> ToServiceItems() => Matters.Select(m => new CaseCategory(
        m.Code, m.Name, m.Level,
        m.Handling == Handling.Immediate ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1),
        TimeSpan.FromDays(Math.Max(1, (int)Math.Ceiling(m.CommitmentDays * 7 / 5.0))),
        TimeSpan.FromDays(3),
        CaseKind.Application));

    public static ServiceCatalog Load(string path)
    {
        var file = JsonSerializer.Deserialize<CatalogFile>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"The catalogue {path} is empty.");
        return new ServiceCatalog(file.CertificateTypes, file.Matters, file.Bundles);
    }

    private static FrozenDictionary<string, T> Unique<T>(IEnumerable<T> items, Func<T, string> code, string what)
    {
        var byCode = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!byCode.TryAdd(code(item), item))
            {
                throw new InvalidDataException($"The catalogue lists the {what} {code(item)} twice.");
            }
        }

        return byCode.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record CatalogFile(List<CertificateType> CertificateTypes, List<Matter> Matters, List<Bundle> Bundles);
}

using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Certificates;

namespace Backbone.Grains.Catalog;

/// <summary>
/// "Once-only" (一次都不跑): what stands for each material a matter requires. The city's own holdings come
/// first (a valid certificate of a type that satisfies it, then the applicant's or enterprise's register
/// entry), then a certificate an earlier part of the same bundle will issue, then the applicant's upload.
/// What is none of these is missing.
/// </summary>
public static class OnceOnly
{
    public sealed record Resolution(IReadOnlyList<AttachedMaterial> Attached, IReadOnlyList<Material> Missing);

    /// <param name="provided">Uploads by material code.</param>
    /// <param name="held">The applicant's and the enterprise's certificates.</param>
    /// <param name="issuedEarlier">Certificate types earlier parts of the bundle issue.</param>
    public static Resolution Resolve(
        Matter matter, IReadOnlyDictionary<string, string> provided, IReadOnlyList<CertificateSnapshot> held, string citizenId, string enterpriseCode,
        IReadOnlySet<string> issuedEarlier, DateTimeOffset now)
    {
        var attached = new List<AttachedMaterial>();
        var missing = new List<Material>();
        foreach (var material in matter.Materials)
        {
            var certificate = held.FirstOrDefault(c => material.SatisfiedBy.Contains(c.Issued.Type) && c.StatusAt(now) == CertificateStatus.Valid);
            AttachedMaterial? found =
                certificate is not null ? new(material.Code, material.Name, MaterialSource.Certificate, certificate.Number)
                : material.SatisfiedBy.Contains(Material.CitizenRecord) ? new(material.Code, material.Name, MaterialSource.Record, citizenId)
                : material.SatisfiedBy.Contains(Material.EnterpriseRecord) && enterpriseCode.Length > 0
                    ? new(material.Code, material.Name, MaterialSource.Record, enterpriseCode)
                : material.SatisfiedBy.FirstOrDefault(issuedEarlier.Contains) is { } pending
                    ? new(material.Code, material.Name, MaterialSource.Pending, pending)
                : provided.TryGetValue(material.Code, out var upload) ? new(material.Code, material.Name, MaterialSource.Provided, upload)
                : null;
            if (found is null)
            {
                missing.Add(material);
            }
            else
            {
                attached.Add(found);
            }
        }

        return new Resolution(attached, missing);
    }
}

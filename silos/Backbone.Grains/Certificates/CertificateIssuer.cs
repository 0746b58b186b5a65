using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Certificates;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Enterprises;
using Backbone.Grains.Catalog;
using Backbone.Grains.Grid;

namespace Backbone.Grains.Certificates;

/// <summary>Issues the certificate an approved matter grants, and finds the certificates a holder has.</summary>
public sealed class CertificateIssuer(ServiceCatalog catalog, GridSeed grid, IGrainFactory grains)
{
    /// <summary>The number of the certificate an approval of <paramref name="matterCode"/> issues, or null when it issues none.</summary>
    public string? NumberFor(string matterCode, string caseId, DateTimeOffset approved) =>
        catalog.FindMatter(matterCode)?.Issues is { } type
            ? $"{grid.CityCode}-{catalog.FindCertificateType(type)!.Prefix}-{approved.ToOffset(ChinaTime.Offset).Year}-{caseId[..12].ToUpperInvariant()}"
            : null;

    /// <summary>Issues it to the holder, lists it under the holder and tells an enterprise; every step is idempotent.</summary>
    public async Task Issue(string number, string matterCode, Holder holder, string issuerUnit, DateTimeOffset approved, string caseId)
    {
        var matter = catalog.FindMatter(matterCode)!;
        var type = catalog.FindCertificateType(matter.Issues!)!;
        var holderName = holder.Kind == HolderKind.Citizen
            ? (await grains.GetGrain<ICitizenGrain>(holder.Id).Get()).Name
            : (await grains.GetGrain<IEnterpriseGrain>(holder.Id).Get()).Name;
        await grains.GetGrain<ICertificateGrain>(number).Issue(new NewCertificate(
            type.Code, type.Name, holder, holderName, issuerUnit, matter.Department, approved,
            type.ValidMonths > 0 ? approved.AddMonths(type.ValidMonths) : null, caseId));
        await grains.GetGrain<ICertificateHolderGrain>(holder.Key).Add(number);
        if (holder.Kind == HolderKind.Enterprise)
        {
            await grains.GetGrain<IEnterpriseGrain>(holder.Id).CertificateIssued(type.Code, number);
        }
    }

    /// <summary>Every certificate of the holder, newest first.</summary>
    public async Task<IReadOnlyList<CertificateSnapshot>> HeldBy(Holder holder)
    {
        var numbers = await grains.GetGrain<ICertificateHolderGrain>(holder.Key).Numbers();
        var held = await Task.WhenAll(numbers.Select(n => grains.GetGrain<ICertificateGrain>(n).Get()));
        return [.. held.OrderByDescending(c => c.Issued.ValidFrom)];
    }

    /// <summary>Materials waiting for a certificate an earlier part issued, now pointing at the holder's valid one of that type.</summary>
    public async Task<IReadOnlyList<AttachedMaterial>> CompletePending(IReadOnlyList<AttachedMaterial> materials, Holder holder, DateTimeOffset now)
    {
        if (materials.All(m => m.Source != MaterialSource.Pending))
        {
            return materials;
        }

        var held = await HeldBy(holder);
        return [.. materials.Select(m => m.Source == MaterialSource.Pending
            && held.FirstOrDefault(c => c.Issued.Type == m.Reference && c.StatusAt(now) == CertificateStatus.Valid) is { } certificate
                ? m with { Source = MaterialSource.Certificate, Reference = certificate.Number }
                : m)];
    }
}

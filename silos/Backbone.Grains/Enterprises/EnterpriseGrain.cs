using System.Globalization;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Cases;
using Backbone.Grains.Abstractions.Certificates;
using Backbone.Grains.Abstractions.Enterprises;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Enterprises;

[GenerateSerializer]
public sealed class EnterpriseRecord
{
    [Id(0)] public NewEnterprise? Registered { get; set; }
    [Id(1)] public string Name { get; set; } = string.Empty;
    [Id(2)] public string Address { get; set; } = string.Empty;
    [Id(3)] public string LegalRepresentativeId { get; set; } = string.Empty;
    [Id(4)] public List<string> AgentIds { get; set; } = [];
    [Id(5)] public EnterpriseStage Stage { get; set; }
    [Id(6)] public List<EnterpriseEvent> History { get; set; } = [];
    [Id(7)] public DateTimeOffset CreateTime { get; set; }
    [Id(8)] public DateTimeOffset UpdateTime { get; set; }
    [Id(9)] public long Version { get; set; }
    /// <summary>Applications made for the enterprise (deregistration waits until each is decided).</summary>
    [Id(10)] public List<string> Applications { get; set; } = [];
    [Id(11)] public string GridCode { get; set; } = string.Empty;
    /// <summary>Deregistered, and its business licence revoked (an attempt may stop in between: a retry or the next activation finishes it).</summary>
    [Id(12)] public bool LicenceEnded { get; set; }
}

/// <summary>
/// One enterprise from registration (设立) through changes (变更) to deregistration (注销). Every change is
/// recorded in its history with who made it and what changed.
/// </summary>
[GrainType("enterprise")]
public sealed class EnterpriseGrain(
    [PersistentState("enterprise")] IPersistentState<EnterpriseRecord> record,
    IGrainFactory grains,
    TimeProvider clock) : Grain, IEnterpriseGrain
{
    public const string BusinessLicence = "business-licence";

    private EnterpriseRecord Enterprise => record.State;

    public async Task<EnterpriseSnapshot> Register(NewEnterprise enterprise, string actor)
    {
        if (Enterprise.Registered is not null)
        {
            return Enterprise.Registered.SameAs(enterprise)
                ? Snapshot()
                : throw DomainException.AlreadyExists($"An enterprise with credit code {this.GetPrimaryKeyString()} is already registered.");
        }

        Enterprise.Registered = enterprise;
        Enterprise.Name = enterprise.Name;
        Enterprise.Address = enterprise.Address;
        Enterprise.LegalRepresentativeId = enterprise.LegalRepresentativeId;
        Enterprise.AgentIds = [.. enterprise.AgentIds];
        Enterprise.GridCode = enterprise.GridCode;
        Enterprise.Stage = EnterpriseStage.Establishing;
        Enterprise.CreateTime = clock.GetUtcNow();
        return await Save("register", actor, enterprise.Name);
    }

    public Task<EnterpriseSnapshot> Get() => Task.FromResult(Snapshot());

    public async Task<EnterpriseSnapshot> Update(EnterpriseChange change, string actor)
    {
        EnsureActive("change");
        if (change.ExpectedEtag is { } expected && expected != Etag())
        {
            throw DomainException.Aborted($"The enterprise was changed since etag {expected} was read (current etag {Etag()}); read it again and reapply the change.");
        }

        var changes = new List<string>();
        void Change(string field, string? value, string current, Action<string> apply)
        {
            if (value is not null && value != current)
            {
                changes.Add($"{field}: {current} → {value}");
                apply(value);
            }
        }

        Change("name", change.Name, Enterprise.Name, v => Enterprise.Name = v);
        Change("address", change.Address, Enterprise.Address, v => Enterprise.Address = v);
        Change("grid_unit_code", change.GridCode, Enterprise.GridCode, v => Enterprise.GridCode = v);
        Change("legal_representative_id", change.LegalRepresentativeId, Enterprise.LegalRepresentativeId, v => Enterprise.LegalRepresentativeId = v);
        if (change.AgentIds is { } agents && !agents.SequenceEqual(Enterprise.AgentIds))
        {
            changes.Add($"agent_citizen_ids: {string.Join(",", Enterprise.AgentIds)} → {string.Join(",", agents)}");
            Enterprise.AgentIds = [.. agents];
        }

        return changes.Count == 0 ? Snapshot() : await Save("change", actor, string.Join("; ", changes));
    }

    public async Task<EnterpriseSnapshot> Deregister(string actor, string reason)
    {
        var deregistered = Enterprise.Stage == EnterpriseStage.Deregistered;
        if (deregistered && Enterprise.LicenceEnded)
        {
            return Snapshot();
        }

        if (!deregistered)
        {
            EnsureActive("deregister");
        }

        var certificates = await Certificates();
        if (!deregistered)
        {
            var blockers = new List<FieldViolation>();
            var states = await Task.WhenAll(Enterprise.Applications.Select(async id => (id, state: await grains.GetGrain<ICaseGrain>(id).State())));
            blockers.AddRange(states.Where(s => s.state is not (CaseState.Approved or CaseState.Denied or CaseState.Closed))
                .Select(s => new FieldViolation($"applications/{s.id}", "application still open: it must be decided first")));
            var now = clock.GetUtcNow();
            blockers.AddRange(certificates.Where(c => c.Issued.Type != BusinessLicence && c.StatusAt(now) == CertificateStatus.Valid)
                .Select(c => new FieldViolation($"licences/{c.Number}", $"{c.Issued.TypeName} is still valid: have {c.Issued.IssuerDepartment} revoke it first")));
            if (blockers.Count > 0)
            {
                throw DomainException.FailedPrecondition(
                    $"Enterprise {this.GetPrimaryKeyString()} cannot be deregistered yet: " + string.Join("; ", blockers.Select(b => $"{b.Field} ({b.Description})")),
                    "DEREGISTRATION_BLOCKED", blockers);
            }

            Enterprise.Stage = EnterpriseStage.Deregistered;
            await Save("deregister", actor, reason);
        }

        // The business licence ends with the enterprise. Also on a retry: the attempt that saved the
        // deregistration may have failed before this, and a licence left valid would still verify.
        await EndBusinessLicences(certificates, reason);
        return Snapshot();
    }

    /// <summary>An enterprise deregistered before its business licence was revoked (the host stopped in between) revokes it when it next wakes.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Enterprise.Stage == EnterpriseStage.Deregistered && !Enterprise.LicenceEnded)
        {
            await EndBusinessLicences(await Certificates(), Enterprise.History.LastOrDefault(e => e.Action == "deregister")?.Note ?? string.Empty);
        }
    }

    private async Task EndBusinessLicences(IEnumerable<CertificateSnapshot> certificates, string reason)
    {
        foreach (var licence in certificates.Where(c => c.Issued.Type == BusinessLicence && c.RevokeTime is null))
        {
            await grains.GetGrain<ICertificateGrain>(licence.Number).Revoke($"enterprise deregistered: {reason}");
        }

        Enterprise.LicenceEnded = true;
        await record.WriteOrForgetAsync(this);
    }

    public async Task AddApplication(string caseId)
    {
        EnsureActive("apply for");
        if (!Enterprise.Applications.Contains(caseId))
        {
            Enterprise.Applications.Add(caseId);
            await record.WriteOrForgetAsync(this);
        }
    }

    public async Task CertificateIssued(string type, string number)
    {
        if (type == BusinessLicence && Enterprise.Stage == EnterpriseStage.Establishing)
        {
            Enterprise.Stage = EnterpriseStage.Operating;
            await Save("operate", "system", $"business licence {number} issued");
        }
    }

    private async Task<IReadOnlyList<CertificateSnapshot>> Certificates()
    {
        var numbers = await grains.GetGrain<ICertificateHolderGrain>(Holder.Enterprise(this.GetPrimaryKeyString()).Key).Numbers();
        return await Task.WhenAll(numbers.Select(n => grains.GetGrain<ICertificateGrain>(n).Get()));
    }

    private void EnsureActive(string action)
    {
        if (Enterprise.Registered is null)
        {
            throw NotFound(this.GetPrimaryKeyString());
        }

        if (Enterprise.Stage == EnterpriseStage.Deregistered)
        {
            throw DomainException.FailedPrecondition($"Cannot {action} enterprise {this.GetPrimaryKeyString()}: it is deregistered.");
        }
    }

    public static DomainException NotFound(string creditCode) => DomainException.NotFound($"No enterprise with credit code {creditCode} is registered.");

    private async Task<EnterpriseSnapshot> Save(string action, string actor, string note)
    {
        var now = clock.GetUtcNow();
        Enterprise.UpdateTime = now;
        Enterprise.Version++;
        Enterprise.History.Add(new EnterpriseEvent(action, actor, note, now));
        await record.WriteOrForgetAsync(this);
        return Snapshot();
    }

    private string Etag() => Enterprise.Version.ToString(CultureInfo.InvariantCulture);

    private EnterpriseSnapshot Snapshot() => Enterprise.Registered is null
        ? throw NotFound(this.GetPrimaryKeyString())
        : new(this.GetPrimaryKeyString(), Enterprise.Name, Enterprise.Address, Enterprise.LegalRepresentativeId, [.. Enterprise.AgentIds], Enterprise.Stage,
            [.. Enterprise.History], Enterprise.CreateTime, Enterprise.UpdateTime, Etag(), Enterprise.GridCode);
}

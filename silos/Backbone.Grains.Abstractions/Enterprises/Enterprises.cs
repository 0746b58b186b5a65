namespace Backbone.Grains.Abstractions.Enterprises;

public enum EnterpriseStage
{
    /// <summary>Registered with its code (设立), waiting for its business licence.</summary>
    Establishing = 1,

    /// <summary>Its business licence is issued.</summary>
    Operating = 2,

    /// <summary>Deregistered (注销): kept for the record, no longer acts.</summary>
    Deregistered = 3,
}

/// <summary>A validated registration. The legal representative and agents are registered citizens.</summary>
[GenerateSerializer, Immutable]
public sealed record NewEnterprise(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] string LegalRepresentativeId,
    [property: Id(3)] IReadOnlyList<string> AgentIds,
    [property: Id(4)] string GridCode)
{
    public bool SameAs(NewEnterprise other) =>
        this with { AgentIds = [] } == other with { AgentIds = [] } && AgentIds.SequenceEqual(other.AgentIds);
}

/// <summary>A validated change (变更): a null field stays as it is.</summary>
[GenerateSerializer, Immutable]
public sealed record EnterpriseChange(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Address,
    [property: Id(2)] string? LegalRepresentativeId,
    [property: Id(3)] IReadOnlyList<string>? AgentIds,
    [property: Id(4)] string? ExpectedEtag,
    [property: Id(5)] string? GridCode = null);

/// <summary>One entry of an enterprise's history: register, change (with what changed), operate, deregister.</summary>
[GenerateSerializer, Immutable]
public sealed record EnterpriseEvent(
    [property: Id(0)] string Action,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Note,
    [property: Id(3)] DateTimeOffset Time);

[GenerateSerializer, Immutable]
public sealed record EnterpriseSnapshot(
    [property: Id(0)] string CreditCode,
    [property: Id(1)] string Name,
    [property: Id(2)] string Address,
    [property: Id(3)] string LegalRepresentativeId,
    [property: Id(4)] IReadOnlyList<string> AgentIds,
    [property: Id(5)] EnterpriseStage Stage,
    [property: Id(6)] IReadOnlyList<EnterpriseEvent> History,
    [property: Id(7)] DateTimeOffset CreateTime,
    [property: Id(8)] DateTimeOffset UpdateTime,
    [property: Id(9)] string Etag,
    [property: Id(10)] string GridCode)
{
    /// <summary>The legal representative and the agents act for the enterprise.</summary>
    public bool IsLinked(string citizenId) => LegalRepresentativeId == citizenId || AgentIds.Contains(citizenId);
}

/// <summary>One enterprise, keyed by its unified social credit code: the only writer of its record.</summary>
public interface IEnterpriseGrain : IGrainWithStringKey
{
    /// <summary>Records the registration; again with the same details returns it unchanged (AlreadyExists otherwise).</summary>
    Task<EnterpriseSnapshot> Register(NewEnterprise enterprise, string actor);

    /// <exception cref="Errors.DomainException">NotFound when no enterprise has this code.</exception>
    [Orleans.Concurrency.ReadOnly]
    Task<EnterpriseSnapshot> Get();

    Task<EnterpriseSnapshot> Update(EnterpriseChange change, string actor);

    /// <summary>
    /// Deregisters (注销), or FailedPrecondition listing what blocks it: applications still open and
    /// live licences other than the business licence (which deregistration itself revokes).
    /// </summary>
    Task<EnterpriseSnapshot> Deregister(string actor, string reason);

    /// <summary>Remembers an application made for the enterprise (deregistration waits for it).</summary>
    Task AddApplication(string caseId);

    /// <summary>A certificate was issued to it: a business licence puts an establishing enterprise in operation.</summary>
    Task CertificateIssued(string type, string number);
}

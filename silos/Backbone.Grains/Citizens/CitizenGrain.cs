using System.Globalization;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Grains.Persistence;

namespace Backbone.Grains.Citizens;

[GenerateSerializer]
public sealed class CitizenState
{
    [Id(0)] public string Name { get; set; } = string.Empty;
    [Id(1)] public string IdNumber { get; set; } = string.Empty;
    [Id(2)] public string Phone { get; set; } = string.Empty;
    [Id(3)] public string Address { get; set; } = string.Empty;
    [Id(4)] public string GridUnitCode { get; set; } = string.Empty;
    [Id(5)] public DateTimeOffset CreateTime { get; set; }
    [Id(6)] public DateTimeOffset UpdateTime { get; set; }
    /// <summary>Counts committed changes; the public etag is derived from it.</summary>
    [Id(7)] public long Version { get; set; }

    public bool Registered => Version > 0;
}

[GrainType("citizen")]
public sealed class CitizenGrain(
    [PersistentState("citizen")] IPersistentState<CitizenState> record,
    TimeProvider clock) : Grain, ICitizenGrain
{
    private CitizenState State => record.State;

    public async Task<CitizenSnapshot> Create(NewCitizen citizen)
    {
        if (State.Registered)
        {
            return State.IdNumber == citizen.IdNumber
                ? Snapshot()
                : throw DomainException.AlreadyExists("This citizen id is already taken by another registration.");
        }

        var now = clock.GetUtcNow();
        State.Name = citizen.Name;
        State.IdNumber = citizen.IdNumber;
        State.Phone = citizen.Phone;
        State.Address = citizen.Address;
        State.GridUnitCode = citizen.GridUnitCode;
        State.CreateTime = now;
        State.UpdateTime = now;
        State.Version = 1;
        await record.WriteOrForgetAsync(this);
        return Snapshot();
    }

    public Task<CitizenSnapshot> Get() =>
        State.Registered ? Task.FromResult(Snapshot()) : throw NotFound();

    public Task<bool> Exists() => Task.FromResult(State.Registered);

    public async Task<CitizenSnapshot> Update(CitizenChange change)
    {
        if (!State.Registered)
        {
            throw NotFound();
        }

        if (change.ExpectedEtag is { } expected && expected != Etag())
        {
            throw DomainException.Aborted(
                $"The citizen was changed since etag {expected} was read (current etag {Etag()}); read it again and reapply the change.");
        }

        State.Phone = change.Phone ?? State.Phone;
        State.Address = change.Address ?? State.Address;
        State.GridUnitCode = change.GridUnitCode ?? State.GridUnitCode;
        State.UpdateTime = clock.GetUtcNow();
        State.Version++;
        await record.WriteOrForgetAsync(this);
        return Snapshot();
    }

    private DomainException NotFound() => CitizenErrors.NotFound(this.GetPrimaryKeyString());

    private string Etag() => State.Version.ToString(CultureInfo.InvariantCulture);

    private CitizenSnapshot Snapshot() => new(
        this.GetPrimaryKeyString(),
        State.Name,
        ResidentIdNumber.Mask(State.IdNumber),
        State.Phone,
        State.Address,
        State.GridUnitCode,
        State.CreateTime,
        State.UpdateTime,
        Etag());
}

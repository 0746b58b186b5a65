using Backbone.Grains.Abstractions.Errors;

namespace Backbone.Grains.Abstractions.Citizens;

public static class CitizenErrors
{
    /// <summary>The one answer for a citizen the caller cannot see, whether or not it exists.</summary>
    public static DomainException NotFound(string citizenId) => DomainException.NotFound($"No citizen with id {citizenId} is registered.");
}

/// <summary>A validated, normalized registration: every field already passed <c>CitizenRules</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record NewCitizen(
    [property: Id(0)] string Name,
    [property: Id(1)] string IdNumber,
    [property: Id(2)] string Phone,
    [property: Id(3)] string Address,
    [property: Id(4)] string GridUnitCode = "");

/// <summary>A validated change to a citizen. A null field is left as it is.</summary>
[GenerateSerializer, Immutable]
public sealed record CitizenChange(
    [property: Id(0)] string? Phone,
    [property: Id(1)] string? Address,
    [property: Id(2)] string? ExpectedEtag,
    [property: Id(3)] string? GridUnitCode = null);

/// <summary>A citizen as callers see it. The full resident ID number is never part of it.</summary>
[GenerateSerializer, Immutable]
public sealed record CitizenSnapshot(
    [property: Id(0)] string CitizenId,
    [property: Id(1)] string Name,
    [property: Id(2)] string IdNumberMasked,
    [property: Id(3)] string Phone,
    [property: Id(4)] string Address,
    [property: Id(5)] string GridUnitCode,
    [property: Id(6)] DateTimeOffset CreateTime,
    [property: Id(7)] DateTimeOffset UpdateTime,
    [property: Id(8)] string Etag);

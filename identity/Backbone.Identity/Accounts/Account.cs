using Backbone.Grains.Abstractions.Access;

namespace Backbone.Identity.Accounts;

/// <summary>Someone who signs in at the provider: a citizen or a staff member. The mobile number is the login name.</summary>
public sealed class Account
{
    public string Id { get; set; } = Guid.NewGuid().ToString("N");

    /// <summary><see cref="CallerKinds.Citizen"/> or <see cref="CallerKinds.Staff"/>.</summary>
    public string Kind { get; set; } = CallerKinds.Citizen;

    /// <summary>Normalized 11-digit mobile number; unique.</summary>
    public string Mobile { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    /// <summary>ASP.NET Core <c>PasswordHasher</c> output (PBKDF2); the password itself is never stored or logged.</summary>
    public string PasswordHash { get; set; } = string.Empty;

    /// <summary>The citizen's backbone record; the token subject of a citizen.</summary>
    public string? CitizenId { get; set; }

    public string? Role { get; set; }

    public string? Unit { get; set; }

    public int FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The <c>sub</c> of this account's tokens: the citizen id, or the account id for staff.</summary>
    public string Subject => CitizenId ?? Id;
}

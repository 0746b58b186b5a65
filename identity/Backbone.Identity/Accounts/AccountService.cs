using System.Security.Cryptography;
using System.Text;
using Backbone.Grains.Abstractions.Access;
using Backbone.Grains.Abstractions.Citizens;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Identity.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Backbone.Identity.Accounts;

public enum SignInOutcome
{
    SignedIn,
    WrongCredentials,
    Locked,
}

public sealed record SignInResult(SignInOutcome Outcome, Account? Account = null, DateTimeOffset? LockedUntil = null);

/// <summary>Sign-in with lock-out, sign-up with a backbone citizen record, and the seeding of accounts.</summary>
public sealed class AccountService(
    IdentityDbContext db, ICitizenRegistrar registrar, IdentitySettings settings, TimeProvider clock)
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 128;

    private static readonly PasswordHasher<Account> Hasher = new();

    // Verified against when the mobile number is unknown, so a wrong number costs as long as a wrong password.
    private static readonly string DecoyHash = Hasher.HashPassword(new Account(), "decoy password");

    public Task<Account?> FindAsync(string accountId, CancellationToken cancellationToken) =>
        db.Accounts.SingleOrDefaultAsync(a => a.Id == accountId, cancellationToken);

    /// <summary>The account a token's <c>sub</c> names: a citizen by citizen id, staff by account id.</summary>
    public Task<Account?> FindBySubjectAsync(string subject, CancellationToken cancellationToken) =>
        db.Accounts.SingleOrDefaultAsync(a => a.CitizenId == subject || (a.CitizenId == null && a.Id == subject), cancellationToken);

    public async Task<SignInResult> SignInAsync(string? mobileInput, string? password, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var account = MobilePhone.TryNormalize(mobileInput, out var mobile, out _)
            ? await db.Accounts.SingleOrDefaultAsync(a => a.Mobile == mobile, cancellationToken)
            : null;
        if (account is null)
        {
            Hasher.VerifyHashedPassword(new Account(), DecoyHash, password ?? string.Empty);
            return new SignInResult(SignInOutcome.WrongCredentials);
        }

        if (account.LockedUntil > now)
        {
            return new SignInResult(SignInOutcome.Locked, LockedUntil: account.LockedUntil);
        }

        var verdict = Hasher.VerifyHashedPassword(account, account.PasswordHash, password ?? string.Empty);
        if (verdict == PasswordVerificationResult.Failed)
        {
            account.FailedSignIns++;
            if (account.FailedSignIns >= settings.LockoutAttempts)
            {
                account.FailedSignIns = 0;
                account.LockedUntil = now + settings.LockoutDuration;
            }

            await db.SaveChangesAsync(cancellationToken);
            return account.LockedUntil > now
                ? new SignInResult(SignInOutcome.Locked, LockedUntil: account.LockedUntil)
                : new SignInResult(SignInOutcome.WrongCredentials);
        }

        account.FailedSignIns = 0;
        account.LockedUntil = null;
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            account.PasswordHash = Hasher.HashPassword(account, password!);
        }

        await db.SaveChangesAsync(cancellationToken);
        return new SignInResult(SignInOutcome.SignedIn, account);
    }

    /// <summary>
    /// Creates a citizen account and its backbone citizen record. Throws <see cref="DomainException"/>
    /// (InvalidArgument with field violations, AlreadyExists) and writes nothing when refused.
    /// </summary>
    public async Task<Account> SignUpAsync(
        string? mobileInput, string? password, string? name, string? idNumber, string? address, CancellationToken cancellationToken)
    {
        var violations = new List<FieldViolation>();
        if (!MobilePhone.TryNormalize(mobileInput, out var mobile, out var mobileError))
        {
            violations.Add(new FieldViolation("phone", mobileError));
        }
        else if (await db.Accounts.AnyAsync(a => a.Mobile == mobile, cancellationToken))
        {
            violations.Add(new FieldViolation("phone", "already has an account; sign in instead"));
        }

        if (PasswordProblem(password) is { } passwordError)
        {
            violations.Add(new FieldViolation("password", passwordError));
        }

        if (violations.Count > 0)
        {
            throw DomainException.InvalidArgument(violations);
        }

        // The same sign-up retried (same mobile and ID number) finds the citizen its first attempt created.
        var requestId = "signup-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{mobile}\n{idNumber?.Trim().ToUpperInvariant()}")))[..32];
        var citizen = await registrar.RegisterAsync(
            requestId, new CitizenRegistration(name ?? string.Empty, idNumber ?? string.Empty, mobile, address ?? string.Empty, string.Empty),
            cancellationToken);

        var account = new Account
        {
            Kind = CallerKinds.Citizen,
            Mobile = mobile,
            Name = citizen.Name,
            CitizenId = citizen.CitizenId,
            CreatedAt = clock.GetUtcNow(),
        };
        account.PasswordHash = Hasher.HashPassword(account, password!);
        db.Accounts.Add(account);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw DomainException.AlreadyExists("This mobile number or citizen already has an account; sign in instead.");
        }

        return account;
    }

    /// <summary>Creates or updates a seeded account; the password hash changes only when the password did.</summary>
    public async Task SeedAsync(Account seed, string password, CancellationToken cancellationToken)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(a => a.Mobile == seed.Mobile, cancellationToken);
        if (account is null)
        {
            account = seed;
            account.CreatedAt = clock.GetUtcNow();
            db.Accounts.Add(account);
        }
        else
        {
            account.Kind = seed.Kind;
            account.Name = seed.Name;
            account.Role = seed.Role;
            account.Unit = seed.Unit;
            account.CitizenId = seed.CitizenId;
        }

        if (account.PasswordHash.Length == 0
            || Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            account.PasswordHash = Hasher.HashPassword(account, password);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public static string? PasswordProblem(string? password) => password switch
    {
        null or { Length: < MinPasswordLength } => $"must be at least {MinPasswordLength} characters",
        { Length: > MaxPasswordLength } => $"must be at most {MaxPasswordLength} characters",
        _ => null,
    };
}

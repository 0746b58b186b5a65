using Microsoft.EntityFrameworkCore;

namespace Backbone.Identity.Accounts;

/// <summary>Accounts plus OpenIddict's applications, authorizations, scopes and tokens, in one SQLite file by default.</summary>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options, IdentityWriteGate gate) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        await gate.Writers.WaitAsync(cancellationToken);
        try
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        finally
        {
            gate.Writers.Release();
        }
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        gate.Writers.Wait();
        try
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }
        finally
        {
            gate.Writers.Release();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Account>(account =>
        {
            account.HasKey(a => a.Id);
            account.HasIndex(a => a.Mobile).IsUnique();
            account.HasIndex(a => a.CitizenId).IsUnique();
            account.Property(a => a.Kind).HasMaxLength(16);
            account.Property(a => a.Mobile).HasMaxLength(11);
            account.Ignore(a => a.Subject);
            // SQLite has no offset type; store UTC ticks so comparisons stay exact.
            account.Property(a => a.LockedUntil).HasConversion(v => v.HasValue ? v.Value.UtcTicks : (long?)null,
                v => v.HasValue ? new DateTimeOffset(v.Value, TimeSpan.Zero) : null);
            account.Property(a => a.CreatedAt).HasConversion(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
        });
    }
}

/// <summary>
/// The node's writes to its identity database, one at a time (a singleton). SQLite lets one connection write at
/// a time; another that tries meanwhile finds the database busy, and Microsoft.Data.Sqlite retries it only
/// after sleeping. Concurrent sign-ins and token refreshes then queued on those sleeps: eight refreshes at a
/// time went slower (74/s, p90 379 ms) than one at a time (131/s, p50 7 ms); docs/benchmarks.md. Waiting here
/// instead, a writer starts the moment the one before it commits. Reads (WAL) are not held.
/// </summary>
public sealed class IdentityWriteGate
{
    internal SemaphoreSlim Writers { get; } = new(1, 1);
}

using Microsoft.EntityFrameworkCore;

namespace Backbone.Identity.Accounts;

/// <summary>Accounts plus OpenIddict's applications, authorizations, scopes and tokens, in one SQLite file by default.</summary>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();

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

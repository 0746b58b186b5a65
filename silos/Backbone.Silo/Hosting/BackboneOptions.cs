using System.Net;
using Backbone.Grains.Cases;
using Backbone.Grains.Grid;
using Backbone.Identity.Hosting;

namespace Backbone.Silo.Hosting;

/// <summary>
/// Every setting of the host, bound from the <c>Backbone</c> section (environment form:
/// <c>Backbone__Ports__Grpc</c>). Validated before anything starts, so a bad value stops the host
/// with its key named.
/// </summary>
public sealed class BackboneOptions
{
    public const string Section = "Backbone";

    /// <summary>Address every port binds to. Loopback by default; set 0.0.0.0 to serve a network.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// An optional JSON settings file that is re-read when it changes, for switches ops flip on a running
    /// node (peak mode). Relative to the working directory.
    /// </summary>
    public string RuntimeSettingsFile { get; set; } = string.Empty;

    /// <summary>Where the embedded store, keys and lock file live (relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "data";

    public PortOptions Ports { get; set; } = new();

    public ClusterSettings Cluster { get; set; } = new();

    public PrivacyOptions Privacy { get; set; } = new();

    public GridSettings Grid { get; set; } = new();

    public CircleSettings Circle { get; set; } = new();

    public CatalogSettings Catalog { get; set; } = new();

    public FeatureSettings Features { get; set; } = new();

    public CaseSettings Cases { get; set; } = new();

    public GatewaySettings Gateway { get; set; } = new();

    /// <summary>The cluster view (Orleans Dashboard) at <c>/dashboard/</c>, for city administrators.</summary>
    public DashboardSettings Dashboard { get; set; } = new();

    /// <summary>The OpenID Connect provider: embedded on the web port, or a separate host this backbone trusts.</summary>
    public IdentitySettings Identity { get; set; } = new();

    public sealed class PortOptions
    {
        /// <summary>gRPC over HTTP/2 cleartext.</summary>
        public int Grpc { get; set; } = 5100;

        /// <summary>HTTP/1.1: health probes, the embedded identity provider and its pages; the gateway later.</summary>
        public int Web { get; set; } = 5080;

        /// <summary>Orleans silo-to-silo traffic.</summary>
        public int Silo { get; set; } = 11111;

        /// <summary>Orleans client gateway.</summary>
        public int OrleansGateway { get; set; } = 30000;
    }

    public sealed class ClusterSettings
    {
        /// <summary>
        /// How silos find each other and where grain state and reminders live: <c>Localhost</c> (one process,
        /// SQLite under the data directory) or <c>Redis</c> (any number of nodes on the Redis named by
        /// <c>ConnectionStrings:Redis</c>).
        /// </summary>
        public string Provider { get; set; } = ClusterProviders.Localhost;

        /// <summary>Names the service's data: every deployment of this service, now and later, keeps the same one.</summary>
        public string ServiceId { get; set; } = "backbone";

        /// <summary>Names one running cluster: nodes with the same id form it.</summary>
        public string ClusterId { get; set; } = "backbone";

        /// <summary>The address other nodes reach this one at; empty: <c>ListenAddress</c> (which must then not be a wildcard).</summary>
        public string AdvertisedAddress { get; set; } = string.Empty;

        /// <summary>Running as a Kubernetes pod: take the pod's name and IP from its environment (deploy/kubernetes).</summary>
        public bool Kubernetes { get; set; }

        /// <summary>From <c>ConnectionStrings:Redis</c> (StackExchange.Redis syntax); required by the Redis provider.</summary>
        public string RedisConnectionString { get; private set; } = string.Empty;

        internal void SetRedisConnectionString(string? connectionString) => RedisConnectionString = connectionString ?? string.Empty;
    }

    public sealed class GridSettings
    {
        /// <summary>The grid tree to load (JSON, see seeds/); relative paths start at the host's binaries, where the sample city is copied.</summary>
        public string SeedFile { get; set; } = "grid-5101.json";

        /// <summary>How long after a directive's deadline its receipts count as settled and may leave the units' inboxes for sealed chunks.</summary>
        public TimeSpan InboxSealAfter { get; set; } = DirectiveInboxSettings.Default.SealAfter;

        /// <summary>Settled receipts sealed together into one chunk (and how many an inbox gathers before it seals).</summary>
        public int InboxChunkSize { get; set; } = DirectiveInboxSettings.Default.ChunkSize;
    }

    public sealed class CatalogSettings
    {
        /// <summary>The service catalogue: certificate types, matters, bundles (JSON, see seeds/); relative paths start at the host's binaries.</summary>
        public string SeedFile { get; set; } = "catalog-5101.json";
    }

    public sealed class DashboardSettings
    {
        /// <summary>Off: no dashboard endpoints, and no grain-call profiler in the silo.</summary>
        public bool Enabled { get; set; } = true;
    }

    /// <summary>Switches ops flip on a running node (re-read when the configuration changes); the flags themselves are in <c>FeatureManagement</c>.</summary>
    public sealed class FeatureSettings
    {
        /// <summary>Flags switched off for everyone for now, each with the time after which callers should try again.</summary>
        public Dictionary<string, TimeSpan> Paused { get; set; } = new(StringComparer.Ordinal);
    }

    /// <summary>The 15-minute service circle: where facilities come from and how distance becomes minutes.</summary>
    public sealed class CircleSettings
    {
        /// <summary>The sample city's facilities (JSON, see seeds/); relative paths start at the host's binaries. Empty: none.</summary>
        public string FacilitySeedFile { get; set; } = "facilities-5101.json";

        public double WalkMetersPerMinute { get; set; } = 80;

        public double BikeMetersPerMinute { get; set; } = 250;

        /// <summary>Route length over great-circle distance: streets are not straight lines.</summary>
        public double DetourFactor { get; set; } = 1.3;

        /// <summary>The city's offset from UTC, for opening hours (China: +08:00 all year).</summary>
        public TimeSpan UtcOffset { get; set; } = TimeSpan.FromHours(8);

        /// <summary>How long a node answers searches from its copy of a map cell before asking the cell what changed.</summary>
        public TimeSpan ReadFreshness { get; set; } = TimeSpan.FromMilliseconds(500);
    }

    public sealed class GatewaySettings
    {
        /// <summary>Browser origins (scheme://host[:port]) allowed to call the JSON and gRPC-Web API; none by default.</summary>
        public List<string> AllowedOrigins { get; set; } = [];

        /// <summary>
        /// Calls each caller (a partner app by client id, a citizen, a staff member) may make per second to one
        /// service, keyed by service name (<c>CitizenService</c>, <c>GridService</c>, <c>CaseService</c>), with
        /// <c>Default</c> for the rest. Bursts up to twice the rate are allowed.
        /// </summary>
        public Dictionary<string, int> RateLimits { get; set; } = new(StringComparer.Ordinal) { ["Default"] = 1000 };

        public PeakModeSettings PeakMode { get; set; } = new();
    }

    /// <summary>Peak mode: deferrable calls are refused fast so essential ones keep their latency. Reloads without a restart.</summary>
    public sealed class PeakModeSettings
    {
        /// <summary>Switched on by hand (ops), for as long as this is true.</summary>
        public bool Enabled { get; set; }

        /// <summary>Switched on by itself when more calls than this are in flight on the node; 0 turns the automatic trigger off.</summary>
        public int AutoAboveConcurrentCalls { get; set; }

        /// <summary>How long the automatic trigger keeps peak mode on after the last time the threshold was passed.</summary>
        public TimeSpan AutoHoldFor { get; set; } = TimeSpan.FromSeconds(10);
    }

    public sealed class CaseSettings
    {
        /// <summary>The dispatch rule table: each appeal category and the level of unit that owns it (Grid, Community, Street, District, City).</summary>
        public List<CategorySettings> Categories { get; set; } = [];

        /// <summary>How often a pending deadline is checked again if its reminder found nothing due (or failed).</summary>
        public TimeSpan DeadlineCheckPeriod { get; set; } = TimeSpan.FromMinutes(1);

        /// <summary>How long after a case closed it may leave its grid's index for an archived chunk (still counted, listed and watched).</summary>
        public TimeSpan ArchiveAfter { get; set; } = CaseArchiveSettings.Default.ArchiveAfter;

        /// <summary>Closed cases archived together into one chunk (and how many a grid gathers before it archives).</summary>
        public int ArchiveChunkSize { get; set; } = CaseArchiveSettings.Default.ChunkSize;
    }

    public sealed class CategorySettings
    {
        /// <summary><c>Appeal</c> (a category of appeals) or <c>Application</c> (a service item one applies for).</summary>
        public string Kind { get; set; } = "Appeal";

        /// <summary>Short code callers send, e.g. <c>noise</c>.</summary>
        public string Code { get; set; } = string.Empty;

        /// <summary>Chinese name shown to people, e.g. 噪音扰民.</summary>
        public string Name { get; set; } = string.Empty;

        /// <summary>The level that owns it; City waits for the dispatch centre.</summary>
        public string Level { get; set; } = string.Empty;

        /// <summary>How long the owning unit has to sign for a case before it climbs to the parent unit.</summary>
        public TimeSpan AcceptWithin { get; set; } = TimeSpan.FromHours(2);

        /// <summary>How long the owning unit has, once it signed, to reply before the case is flagged overdue.</summary>
        public TimeSpan ResolveWithin { get; set; } = TimeSpan.FromDays(1);

        /// <summary>How long the citizen has to rate a reply before the case closes unrated.</summary>
        public TimeSpan RateWithin { get; set; } = TimeSpan.FromDays(3);
    }

    public sealed class PrivacyOptions
    {
        /// <summary>
        /// Base64 secret (at least 32 bytes) keying the hashes of resident ID numbers. Empty: one is
        /// generated at first start into <c>&lt;DataDirectory&gt;/keys/</c> and kept there.
        /// </summary>
        public string IdNumberHashKey { get; set; } = string.Empty;
    }

    public IPAddress ListenIPAddress => IPAddress.Parse(ListenAddress);

    /// <summary>Reads and checks the section; throws with every bad key named.</summary>
    public static BackboneOptions Load(IConfiguration configuration)
    {
        BackboneOptions options;
        try
        {
            options = configuration.GetSection(Section).Get<BackboneOptions>(binder => binder.ErrorOnUnknownConfiguration = true)
                ?? new BackboneOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"Invalid configuration: {e.Message}", e);
        }

        options.Cluster.SetRedisConnectionString(configuration.GetConnectionString("Redis"));

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid configuration: " + string.Join("; ", errors));
        }

        return options;
    }

    public List<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            errors.Add($"Backbone:ListenAddress '{ListenAddress}' is not an IP address");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add("Backbone:DataDirectory must not be empty");
        }

        var ports = new (string Key, int Value)[]
        {
            ("Backbone:Ports:Grpc", Ports.Grpc),
            ("Backbone:Ports:Web", Ports.Web),
            ("Backbone:Ports:Silo", Ports.Silo),
            ("Backbone:Ports:OrleansGateway", Ports.OrleansGateway),
        };
        foreach (var (key, value) in ports.Where(p => p.Value is < 1 or > 65535))
        {
            errors.Add($"{key} must be a port from 1 to 65535, not {value}");
        }

        foreach (var clash in ports.GroupBy(p => p.Value).Where(g => g.Count() > 1))
        {
            errors.Add($"{string.Join(" and ", clash.Select(p => p.Key))} must differ, but are all {clash.Key}");
        }

        if (!ClusterProviders.All.Contains(Cluster.Provider))
        {
            errors.Add($"Backbone:Cluster:Provider '{Cluster.Provider}' is not one of: {string.Join(", ", ClusterProviders.All)}");
        }

        if (Cluster.Provider == ClusterProviders.Redis)
        {
            errors.AddRange(ValidateRedisCluster());
        }

        if (string.IsNullOrWhiteSpace(Cluster.ServiceId))
        {
            errors.Add("Backbone:Cluster:ServiceId must not be empty");
        }

        if (string.IsNullOrWhiteSpace(Cluster.ClusterId))
        {
            errors.Add("Backbone:Cluster:ClusterId must not be empty");
        }

        if (Privacy.IdNumberHashKey.Length > 0 && !IsStrongBase64Key(Privacy.IdNumberHashKey))
        {
            errors.Add("Backbone:Privacy:IdNumberHashKey must be base64 of at least 32 bytes");
        }

        if (!File.Exists(System.IO.Path.Combine(AppContext.BaseDirectory, Grid.SeedFile)))
        {
            errors.Add($"Backbone:Grid:SeedFile '{Grid.SeedFile}' does not exist (relative paths start at {AppContext.BaseDirectory})");
        }

        if (!File.Exists(System.IO.Path.Combine(AppContext.BaseDirectory, Catalog.SeedFile)))
        {
            errors.Add($"Backbone:Catalog:SeedFile '{Catalog.SeedFile}' does not exist (relative paths start at {AppContext.BaseDirectory})");
        }

        if (Circle.FacilitySeedFile.Length > 0 && !File.Exists(System.IO.Path.Combine(AppContext.BaseDirectory, Circle.FacilitySeedFile)))
        {
            errors.Add($"Backbone:Circle:FacilitySeedFile '{Circle.FacilitySeedFile}' does not exist (relative paths start at {AppContext.BaseDirectory})");
        }

        if (Circle.WalkMetersPerMinute <= 0 || Circle.BikeMetersPerMinute <= 0 || !double.IsFinite(Circle.WalkMetersPerMinute) || !double.IsFinite(Circle.BikeMetersPerMinute))
        {
            errors.Add("Backbone:Circle:WalkMetersPerMinute and BikeMetersPerMinute must be positive");
        }

        if (Circle.DetourFactor is < 1 or > 3 || double.IsNaN(Circle.DetourFactor))
        {
            errors.Add("Backbone:Circle:DetourFactor must be from 1 to 3");
        }

        if (Circle.ReadFreshness < TimeSpan.Zero || Circle.ReadFreshness > TimeSpan.FromSeconds(1))
        {
            errors.Add("Backbone:Circle:ReadFreshness must be from 0 to 1 second (updates must reach readers within a second)");
        }

        if (Circle.UtcOffset < TimeSpan.FromHours(-14) || Circle.UtcOffset > TimeSpan.FromHours(14))
        {
            errors.Add("Backbone:Circle:UtcOffset must be from -14:00 to 14:00");
        }

        errors.AddRange(Features.Paused.Keys.Where(flag => !Security.Features.All.Contains(flag))
            .Select(flag => $"Backbone:Features:Paused:{flag} is not a feature flag (one of: {string.Join(", ", Security.Features.All)})"));

        errors.AddRange(Gateway.AllowedOrigins
            .Where(o => !Uri.TryCreate(o, UriKind.Absolute, out var origin) || origin.GetLeftPart(UriPartial.Authority) != o.TrimEnd('/'))
            .Select(o => $"Backbone:Gateway:AllowedOrigins '{o}' is not an origin like https://app.example.cn"));

        errors.AddRange(Gateway.RateLimits.Where(l => l.Value < 1).Select(l => $"Backbone:Gateway:RateLimits:{l.Key} must be at least 1 call per second"));

        if (Gateway.PeakMode.AutoAboveConcurrentCalls < 0 || Gateway.PeakMode.AutoHoldFor < TimeSpan.Zero)
        {
            errors.Add("Backbone:Gateway:PeakMode:AutoAboveConcurrentCalls and AutoHoldFor must not be negative");
        }

        if (Grid.InboxSealAfter < TimeSpan.Zero || Grid.InboxChunkSize is < 1 or > 1000)
        {
            errors.Add("Backbone:Grid:InboxSealAfter must not be negative, and Backbone:Grid:InboxChunkSize must be 1 to 1000");
        }

        if (Cases.DeadlineCheckPeriod < TimeSpan.FromSeconds(1))
        {
            errors.Add("Backbone:Cases:DeadlineCheckPeriod must be at least one second");
        }

        if (Cases.ArchiveAfter < TimeSpan.Zero || Cases.ArchiveChunkSize is < 1 or > 1000)
        {
            errors.Add("Backbone:Cases:ArchiveAfter must not be negative, and Backbone:Cases:ArchiveChunkSize must be 1 to 1000");
        }

        if (Cases.Categories.Count == 0)
        {
            errors.Add("Backbone:Cases:Categories must name at least one appeal category");
        }

        for (var i = 0; i < Cases.Categories.Count; i++)
        {
            var category = Cases.Categories[i];
            if (category.Code.Length == 0 || !category.Code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.'))
            {
                errors.Add($"Backbone:Cases:Categories:{i}:Code must be lower-case letters, digits, '_' or '.'");
            }

            if (category.AcceptWithin <= TimeSpan.Zero || category.ResolveWithin <= TimeSpan.Zero || category.RateWithin <= TimeSpan.Zero)
            {
                errors.Add($"Backbone:Cases:Categories:{i}:AcceptWithin, ResolveWithin and RateWithin must be positive");
            }

            if (!Enum.TryParse<Grains.Abstractions.Cases.CaseKind>(category.Kind, ignoreCase: false, out _))
            {
                errors.Add($"Backbone:Cases:Categories:{i}:Kind '{category.Kind}' is not one of: Appeal, Application");
            }

            if (!Enum.TryParse<Grains.Abstractions.Grid.UnitLevel>(category.Level, ignoreCase: false, out _))
            {
                errors.Add($"Backbone:Cases:Categories:{i}:Level '{category.Level}' is not one of: Grid, Community, Street, District, City");
            }
        }

        errors.AddRange(Cases.Categories.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => $"Backbone:Cases:Categories has '{g.Key}' twice"));
        errors.AddRange(Identity.Validate());
        if (Identity.Mode == IdentityModes.Embedded && Identity.Issuer.Length == 0
            && IPAddress.TryParse(ListenAddress, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            errors.Add("Backbone:Identity:Issuer must be set to the address clients reach when Backbone:ListenAddress is a wildcard");
        }

        return errors;
    }

    /// <summary>The issuer this backbone's tokens come from: its own web port when embedded, else the authority.</summary>
    public Uri TrustedIssuer => Identity.Mode == IdentityModes.Embedded
        ? IdentityHosting.IssuerFor(Identity, ListenAddress, Ports.Web)
        : new Uri(Identity.Authority);

    private IEnumerable<string> ValidateRedisCluster()
    {
        if (Cluster.RedisConnectionString.Length == 0)
        {
            yield return "ConnectionStrings:Redis must name the Redis when Backbone:Cluster:Provider is Redis";
        }

        if (Cluster.AdvertisedAddress.Length > 0 && !IPAddress.TryParse(Cluster.AdvertisedAddress, out _))
        {
            yield return $"Backbone:Cluster:AdvertisedAddress '{Cluster.AdvertisedAddress}' is not an IP address";
        }
        else if (Cluster.AdvertisedAddress.Length == 0 && !Cluster.Kubernetes
            && IPAddress.TryParse(ListenAddress, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            yield return "Backbone:Cluster:AdvertisedAddress must be set when Backbone:ListenAddress is a wildcard";
        }

        // Every node must hash an ID number the same way, or the one-citizen-per-ID-number index splits.
        if (Privacy.IdNumberHashKey.Length == 0)
        {
            yield return "Backbone:Privacy:IdNumberHashKey must be set (the same on every node) when Backbone:Cluster:Provider is Redis";
        }

        // Each node's embedded provider would keep its own accounts, codes and refresh tokens.
        if (Identity.Mode == IdentityModes.Embedded)
        {
            yield return "Backbone:Identity:Mode must be External (one identity host the nodes trust) when Backbone:Cluster:Provider is Redis";
        }
    }

    private static bool IsStrongBase64Key(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var length) && length >= 32;
    }
}

public static class ClusterProviders
{
    public const string Localhost = "Localhost";
    public const string Redis = "Redis";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Localhost, Redis };
}

using Backbone.Grains.Abstractions.Access;

namespace Backbone.Identity.Hosting;

/// <summary>
/// The <c>Backbone:Identity</c> section: how the OpenID Connect provider runs and what it is seeded
/// with. Seeded secrets and passwords belong in a Development settings file or a secret store, never in
/// the committed appsettings.json.
/// </summary>
public sealed class IdentitySettings
{
    public const string Section = "Backbone:Identity";

    /// <summary><c>Embedded</c>: the silo host serves the provider on its web port. <c>External</c>: it trusts <see cref="Authority"/>.</summary>
    public string Mode { get; set; } = IdentityModes.Embedded;

    /// <summary>Issuer URL of a separate identity host (External mode); its keys are fetched once and cached.</summary>
    public string Authority { get; set; } = string.Empty;

    /// <summary>
    /// The issuer this provider names in its tokens. Empty: <c>http://&lt;listen address&gt;:&lt;port&gt;/</c>.
    /// Set it to the public HTTPS address when a TLS-terminating proxy fronts the provider.
    /// </summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>EF Core SQLite connection string. Empty: <c>&lt;DataDirectory&gt;/identity.db</c>.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Port of the stand-alone identity host (<c>dotnet run --project identity/Backbone.Identity</c>).</summary>
    public int Port { get; set; } = 5001;

    /// <summary>PKCS#12 file with the token signing certificate. Empty: an RSA key kept under <c>&lt;DataDirectory&gt;/keys/</c>.</summary>
    public CertificateSettings SigningCertificate { get; set; } = new();

    /// <summary>PKCS#12 file with the certificate that encrypts authorization codes and refresh tokens.</summary>
    public CertificateSettings EncryptionCertificate { get; set; } = new();

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Wrong passwords in a row that lock an account.</summary>
    public int LockoutAttempts { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The backbone's gRPC address, for the stand-alone host only: sign-up registers citizens there,
    /// authenticated as <see cref="RegistrarClientId"/>. The embedded provider calls the grains directly.
    /// </summary>
    public string BackboneAddress { get; set; } = string.Empty;

    /// <summary>Seeded confidential client (scope citizen.register) the stand-alone host uses to call the backbone.</summary>
    public string RegistrarClientId { get; set; } = string.Empty;

    public List<ClientSeed> Clients { get; set; } = [];

    public List<CitizenSeed> Citizens { get; set; } = [];

    public List<StaffSeed> Staff { get; set; } = [];

    public sealed class CertificateSettings
    {
        public string Path { get; set; } = string.Empty;

        public string Password { get; set; } = string.Empty;
    }

    /// <summary>
    /// An app allowed to ask for tokens. With a secret and no redirect URIs: a partner system using client
    /// credentials. Without a secret: a public app (mini-program) signing citizens in with PKCE. With both:
    /// a confidential web app that may do both.
    /// </summary>
    public sealed class ClientSeed
    {
        public string ClientId { get; set; } = string.Empty;

        public string DisplayName { get; set; } = string.Empty;

        public string Secret { get; set; } = string.Empty;

        public List<string> RedirectUris { get; set; } = [];

        public List<string> PostLogoutRedirectUris { get; set; } = [];

        /// <summary>Backbone scopes the client may ask for (openid, profile, phone and offline_access come with sign-in).</summary>
        public List<string> Scopes { get; set; } = [];

        /// <summary>First-party apps of the city skip the consent page (<c>implicit</c>); others ask (<c>explicit</c>).</summary>
        public string Consent { get; set; } = "explicit";
    }

    public sealed class CitizenSeed
    {
        public string Mobile { get; set; } = string.Empty;

        public string Password { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        public string IdNumber { get; set; } = string.Empty;

        public string Address { get; set; } = string.Empty;

        public string GridUnitCode { get; set; } = string.Empty;
    }

    public sealed class StaffSeed
    {
        public string Mobile { get; set; } = string.Empty;

        public string Password { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        /// <summary>One of <see cref="StaffRoles.All"/>.</summary>
        public string Role { get; set; } = string.Empty;

        /// <summary>The grid unit code the staff member acts for; they reach its subtree only.</summary>
        public string Unit { get; set; } = string.Empty;
    }

    /// <summary>Every problem with the section, each naming its key.</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        if (!IdentityModes.All.Contains(Mode))
        {
            errors.Add($"{Section}:Mode '{Mode}' is not one of: {string.Join(", ", IdentityModes.All)}");
        }

        if (Mode == IdentityModes.External && !IsHttpUrl(Authority))
        {
            errors.Add($"{Section}:Authority must be the identity host's http(s) URL when Mode is External");
        }

        if (Issuer.Length > 0 && !IsHttpUrl(Issuer))
        {
            errors.Add($"{Section}:Issuer '{Issuer}' is not an http(s) URL");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"{Section}:Port must be a port from 1 to 65535, not {Port}");
        }

        if (AccessTokenLifetime <= TimeSpan.Zero || RefreshTokenLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:AccessTokenLifetime and RefreshTokenLifetime must be positive");
        }

        if (LockoutAttempts < 1 || LockoutDuration <= TimeSpan.Zero)
        {
            errors.Add($"{Section}:LockoutAttempts and LockoutDuration must be positive");
        }

        for (var i = 0; i < Clients.Count; i++)
        {
            var client = Clients[i];
            var key = $"{Section}:Clients:{i}";
            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                errors.Add($"{key}:ClientId is required");
            }

            if (client.Secret.Length == 0 && client.RedirectUris.Count == 0)
            {
                errors.Add($"{key} needs a Secret (client credentials) or RedirectUris (sign-in), or both");
            }

            if (client.Consent is not ("explicit" or "implicit"))
            {
                errors.Add($"{key}:Consent must be explicit or implicit");
            }

            errors.AddRange(client.Scopes.Where(s => !BackboneScopes.All.Contains(s)).Select(s => $"{key}:Scopes '{s}' is not a backbone scope"));
            errors.AddRange(client.RedirectUris.Concat(client.PostLogoutRedirectUris).Where(u => !Uri.TryCreate(u, UriKind.Absolute, out _))
                .Select(u => $"{key} redirect URI '{u}' is not an absolute URI"));
        }

        for (var i = 0; i < Staff.Count; i++)
        {
            if (!StaffRoles.All.Contains(Staff[i].Role))
            {
                errors.Add($"{Section}:Staff:{i}:Role '{Staff[i].Role}' is not one of: {string.Join(", ", StaffRoles.All)}");
            }

            if (!Grains.Abstractions.Grid.GridUnitCode.IsValid(Staff[i].Unit))
            {
                errors.Add($"{Section}:Staff:{i}:Unit {Grains.Abstractions.Grid.GridUnitCode.FormatDescription}");
            }
        }

        var accounts = Citizens.Select((c, i) => (Key: $"{Section}:Citizens:{i}", c.Mobile, c.Password))
            .Concat(Staff.Select((s, i) => (Key: $"{Section}:Staff:{i}", s.Mobile, s.Password)));
        foreach (var (key, mobile, password) in accounts)
        {
            if (!Grains.Abstractions.Citizens.MobilePhone.TryNormalize(mobile, out _, out var error))
            {
                errors.Add($"{key}:Mobile {error}");
            }

            if (Accounts.AccountService.PasswordProblem(password) is { } problem)
            {
                errors.Add($"{key}:Password {problem}");
            }
        }

        return errors;
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}

public static class IdentityModes
{
    public const string Embedded = "Embedded";
    public const string External = "External";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Embedded, External };
}

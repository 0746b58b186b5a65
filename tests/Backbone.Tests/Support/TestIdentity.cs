namespace Backbone.Tests.Support;

/// <summary>The clients and accounts every test node is seeded with (test-only secrets).</summary>
public static class TestIdentity
{
    public const string Partner = "partner";
    public const string PartnerSecret = "partner-secret-for-tests-only";
    public const string NarrowPartner = "narrow-partner";
    public const string NarrowPartnerSecret = "narrow-partner-secret-for-tests";
    public const string MiniProgram = "miniprogram";
    public const string SecondApp = "second-app";
    public const string StaffConsole = "staff-console";

    /// <summary>Nothing listens here: tests read the redirect (or intercept it in the browser) instead of following it.</summary>
    public const string MiniProgramRedirect = "http://127.0.0.1:9/miniprogram/callback";
    public const string SecondAppRedirect = "http://127.0.0.1:9/second-app/callback";
    public const string StaffConsoleRedirect = "http://127.0.0.1:9/staff/callback";

    public const string CitizenMobile = "13600000001";
    public const string CitizenPassword = "citizen-password-1";
    public const string CitizenUnit = "510104001001001";
    public const string GridWorkerMobile = "13700000001";
    public const string GridWorkerUnit = "510104001001001";
    public const string DistrictHandlerMobile = "13700000002";
    public const string DistrictHandlerUnit = "510104";
    public const string CityAdminMobile = "13700000003";
    public const string StreetHandlerMobile = "13700000004";
    public const string StreetUnit = "510104001";
    public const string CommunityWorkerMobile = "13700000005";
    public const string CommunityUnit = "510104001001";
    public const string StaffPassword = "staff-password-1";

    /// <summary>A stand-alone identity host that registers signed-up and seeded citizens in the backbone at <paramref name="backboneGrpcPort"/>.</summary>
    public static string[] StandAloneHostArgs(string dataDirectory, int port, int backboneGrpcPort) =>
    [
        $"--Backbone:DataDirectory={dataDirectory}",
        $"--Backbone:Identity:Port={port}",
        $"--Backbone:Identity:BackboneAddress=http://127.0.0.1:{backboneGrpcPort}",
        "--Backbone:Identity:RegistrarClientId=registrar",
        "--Backbone:Identity:Clients:5:ClientId=registrar",
        "--Backbone:Identity:Clients:5:Secret=registrar-secret-for-tests",
        "--Backbone:Identity:Clients:5:Scopes:0=citizen.register",
        "--Logging:LogLevel:Default=Warning",
        .. Args(),
    ];

    public static IEnumerable<string> Args()
    {
        var clients = new[]
        {
            Client(0, Partner, secret: PartnerSecret, scopes: ["citizen.profile", "citizen.register", "citizen.update", "grid.read", "circle.read", "circle.manage",
                "enterprise.manage", "enterprise.read", "certificates.verify"]),
            Client(1, NarrowPartner, secret: NarrowPartnerSecret, scopes: ["circle.read"]),
            Client(2, MiniProgram, redirect: MiniProgramRedirect, scopes: ["citizen.profile", "citizen.update", "cases.submit", "certificates.read"]),
            Client(3, SecondApp, redirect: SecondAppRedirect, scopes: ["citizen.profile", "circle.read"]),
            Client(4, StaffConsole, redirect: StaffConsoleRedirect,
                scopes: ["citizen.profile", "citizen.update", "citizen.register", "grid.read", "grid.manage", "cases.handle", "circle.read", "circle.manage",
                    "enterprise.manage", "enterprise.read", "certificates.verify"],
                consent: "implicit"),
        };
        const string Identity = "--Backbone:Identity";
        return clients.SelectMany(c => c).Concat(
        [
            $"{Identity}:Citizens:0:Mobile={CitizenMobile}",
            $"{Identity}:Citizens:0:Password={CitizenPassword}",
            $"{Identity}:Citizens:0:Name=测试市民",
            $"{Identity}:Citizens:0:IdNumber=510104199003071237",
            $"{Identity}:Citizens:0:Address=成都市锦江区春熙路1号",
            $"{Identity}:Citizens:0:GridUnitCode={CitizenUnit}",
            $"{Identity}:Staff:0:Mobile={GridWorkerMobile}",
            $"{Identity}:Staff:0:Password={StaffPassword}",
            $"{Identity}:Staff:0:Name=网格员",
            $"{Identity}:Staff:0:Role=grid_worker",
            $"{Identity}:Staff:0:Unit={GridWorkerUnit}",
            $"{Identity}:Staff:1:Mobile={DistrictHandlerMobile}",
            $"{Identity}:Staff:1:Password={StaffPassword}",
            $"{Identity}:Staff:1:Name=District Handler",
            $"{Identity}:Staff:1:Role=district_handler",
            $"{Identity}:Staff:1:Unit={DistrictHandlerUnit}",
            $"{Identity}:Staff:2:Mobile={CityAdminMobile}",
            $"{Identity}:Staff:2:Password={StaffPassword}",
            $"{Identity}:Staff:2:Name=市管理员",
            $"{Identity}:Staff:2:Role=city_admin",
            $"{Identity}:Staff:2:Unit=5101",
            $"{Identity}:Staff:3:Mobile={StreetHandlerMobile}",
            $"{Identity}:Staff:3:Password={StaffPassword}",
            $"{Identity}:Staff:3:Name=街道干部",
            $"{Identity}:Staff:3:Role=street_handler",
            $"{Identity}:Staff:3:Unit={StreetUnit}",
            $"{Identity}:Staff:4:Mobile={CommunityWorkerMobile}",
            $"{Identity}:Staff:4:Password={StaffPassword}",
            $"{Identity}:Staff:4:Name=社区工作者",
            $"{Identity}:Staff:4:Role=grid_worker",
            $"{Identity}:Staff:4:Unit={CommunityUnit}",
        ]);
    }

    public const string OpsConsole = "ops-console";

    /// <summary>The operations page's own sign-in client: its redirect is the page on this node's web port.</summary>
    public static IEnumerable<string> OpsConsoleArgs(int webPort) =>
        Client(6, OpsConsole, redirect: $"http://127.0.0.1:{webPort}/ops/", scopes: ["grid.read", "cases.handle"], consent: "implicit");

    private static IEnumerable<string> Client(int index, string id, string[] scopes, string? secret = null, string? redirect = null, string consent = "explicit")
    {
        var key = $"--Backbone:Identity:Clients:{index}";
        yield return $"{key}:ClientId={id}";
        yield return $"{key}:Consent={consent}";
        if (secret is not null)
        {
            yield return $"{key}:Secret={secret}";
        }

        if (redirect is not null)
        {
            yield return $"{key}:RedirectUris:0={redirect}";
            yield return $"{key}:PostLogoutRedirectUris:0={redirect.Replace("/callback", "/signed-out", StringComparison.Ordinal)}";
        }

        for (var i = 0; i < scopes.Length; i++)
        {
            yield return $"{key}:Scopes:{i}={scopes[i]}";
        }
    }
}

using Backbone.V1;

namespace Backbone.Tests.Support;

/// <summary>The one-network services as one caller sees them, every client on the same token.</summary>
public sealed class Services(BackboneNode node, string accessToken)
{
    public CitizenService.CitizenServiceClient Citizens { get; } = new(node.Channel.WithToken(accessToken));

    public CaseService.CaseServiceClient Cases { get; } = new(node.Channel.WithToken(accessToken));

    public EnterpriseService.EnterpriseServiceClient Enterprises { get; } = new(node.Channel.WithToken(accessToken));

    public CertificateService.CertificateServiceClient Certificates { get; } = new(node.Channel.WithToken(accessToken));

    /// <summary>The signed-in citizen's id (citizens only).</summary>
    public string CitizenId { get; private init; } = string.Empty;

    /// <summary>The citizen's account, to sign in again (citizens only).</summary>
    public NewAccount? Account { get; private init; }

    /// <summary>A new citizen, signed up through the real pages and signed in through the mini-program.</summary>
    public static async Task<Services> NewCitizenAsync(BackboneNode node, string name = "王小明")
    {
        var account = NewAccount.Fresh(name);
        using (var browser = new BrowserSession(node.Identity.Provider))
        {
            await browser.SignUpAsync(account);
        }

        return await CitizenAsync(node, account);
    }

    /// <summary>A signed-up citizen, signed in through the mini-program.</summary>
    public static async Task<Services> CitizenAsync(BackboneNode node, NewAccount account)
    {
        var token = (await node.Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, "openid citizen.profile cases.submit certificates.read", account.Mobile, account.Password)).AccessToken!;
        var citizens = new CitizenService.CitizenServiceClient(node.Channel.WithToken(token));
        return new Services(node, token) { CitizenId = (await citizens.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" })).CitizenId, Account = account };
    }

    /// <summary>A seeded staff member through the staff console.</summary>
    public static async Task<Services> StaffAsync(BackboneNode node, string mobile) =>
        new(node, await node.Identity.StaffTokenAsync(mobile, "openid citizen.profile cases.handle enterprise.manage enterprise.read certificates.verify"));

    /// <summary>The partner app (a department system) with all its scopes.</summary>
    public static async Task<Services> PartnerAsync(BackboneNode node) => new(node, await node.Identity.PartnerTokenAsync());

    /// <summary>As staff of the owning unit: accept, start and decide an application.</summary>
    public async Task DecideAsync(string caseId, bool approve)
    {
        await Cases.AcceptCaseAsync(new CaseActionRequest { CaseId = caseId });
        await Cases.StartCaseAsync(new CaseActionRequest { CaseId = caseId });
        await Cases.DecideApplicationAsync(new DecideApplicationRequest { CaseId = caseId, Approve = approve, Reason = approve ? "准予许可" : "住所不符合要求" });
    }
}

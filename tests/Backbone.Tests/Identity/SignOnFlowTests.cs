using System.Net;
using Backbone.Tests.Support;
using Backbone.V1;
using Duende.IdentityModel;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Tests.Identity;

/// <summary>The OpenID Connect flows of the embedded provider, driven over HTTP as apps and browsers drive them.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class SignOnFlowTests(BackboneFixture fixture)
{
    private const string CitizenScopes = "openid profile offline_access citizen.profile citizen.update";

    private BackboneNode Node => fixture.Node;

    private IdentityClient Identity => Node.Identity;

    [Fact]
    public async Task Discovery_names_the_issuer_endpoints_S256_only_and_a_signing_key()
    {
        var discovery = await Identity.DiscoverAsync();

        Assert.False(discovery.IsError, discovery.Error);
        Assert.Equal(Identity.Provider.ToString(), discovery.Issuer);
        Assert.Equal(["S256"], discovery.CodeChallengeMethodsSupported);
        Assert.Contains("citizen.profile", discovery.ScopesSupported);
        Assert.NotNull(discovery.IntrospectionEndpoint);
        Assert.NotNull(discovery.RevocationEndpoint);
        Assert.NotNull(discovery.EndSessionEndpoint);
        var key = Assert.Single(discovery.KeySet!.Keys);
        Assert.Equal(("EC", "P-256"), (key.Kty, key.Crv)); // generated keys sign ES256: a quarter off every token
        Assert.False(string.IsNullOrEmpty(key.Kid));
    }

    [Fact]
    public async Task A_partner_gets_a_token_by_client_credentials_and_reads_a_citizen()
    {
        var registered = await Node.Citizens.RegisterCitizenAsync(TestData.Registration());

        var token = IdentityClient.Ensure(await Identity.ClientCredentialsAsync(TestIdentity.Partner, TestIdentity.PartnerSecret, "citizen.profile"));
        var read = await Node.CitizensAs(token.AccessToken!).GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });

        Assert.Equal(registered, read);
        Assert.Equal("citizen.profile", TestTokens.Payload(token.AccessToken!).GetProperty("scope").GetString());
        Assert.False(TestTokens.Payload(token.AccessToken!).TryGetProperty("name", out _)); // only what the backbone reads
    }

    [Fact]
    public async Task A_partner_is_refused_scopes_it_was_not_given_and_a_wrong_secret()
    {
        var outside = await Identity.ClientCredentialsAsync(TestIdentity.NarrowPartner, TestIdentity.NarrowPartnerSecret, "citizen.profile");
        var wrongSecret = await Identity.ClientCredentialsAsync(TestIdentity.Partner, "not-the-secret");

        Assert.Null(outside.AccessToken);
        Assert.Contains(outside.Error, new[] { OidcConstants.TokenErrors.InvalidScope, OidcConstants.TokenErrors.InvalidRequest });
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.HttpStatusCode);
        Assert.Equal(OidcConstants.TokenErrors.InvalidClient, wrongSecret.Json?.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_citizen_signs_in_with_code_and_PKCE_and_reads_citizens_me()
    {
        using var browser = new BrowserSession(Identity.Provider);
        var pkce = Pkce.Create();

        var redirect = await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword, pkce);
        var tokens = IdentityClient.Ensure(await Identity.ExchangeCodeAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, redirect.Code!, pkce.Verifier));
        var me = await Node.CitizensAs(tokens.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });
        var userInfo = await Identity.UserInfoAsync(tokens.AccessToken!);
        Assert.False(userInfo.IsError, userInfo.Error + userInfo.Raw);

        Assert.StartsWith(TestIdentity.MiniProgramRedirect, redirect.Location.ToString());
        Assert.Equal("state-1", redirect.State);
        Assert.True(redirect.SawLogin);
        Assert.Equal("测试市民", me.Name);
        Assert.Equal(TestIdentity.CitizenUnit, me.GridUnitCode);
        Assert.Equal("ES256", new JsonWebToken(tokens.AccessToken).Alg);
        Assert.Equal("ES256", new JsonWebToken(tokens.IdentityToken).Alg);
        Assert.False(string.IsNullOrEmpty(tokens.RefreshToken));
        Assert.Equal(me.CitizenId, userInfo.Claims.Single(c => c.Type == "sub").Value);
        Assert.Equal("测试市民", userInfo.Claims.Single(c => c.Type == "name").Value);
        // The name is the app's, in its ID token; the access token, sent with every call through every proxy, has none.
        Assert.Equal("测试市民", new JsonWebToken(tokens.IdentityToken).GetPayloadValue<string>("name"));
        Assert.False(TestTokens.Payload(tokens.AccessToken!).TryGetProperty("name", out _));
    }

    [Fact]
    public async Task A_second_app_in_the_same_browser_needs_no_second_login_and_asks_consent_once()
    {
        var account = NewAccount.Fresh();
        using var browser = new BrowserSession(Identity.Provider);
        Assert.Contains("已登录", (await browser.SignUpAsync(account)).Html);

        var first = await browser.AuthorizeAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, account.Mobile, account.Password, Pkce.Create());
        var second = await browser.AuthorizeAsync(TestIdentity.SecondApp, TestIdentity.SecondAppRedirect, "openid circle.read", account.Mobile, account.Password, Pkce.Create());
        var secondAgain = await browser.AuthorizeAsync(TestIdentity.SecondApp, TestIdentity.SecondAppRedirect, "openid circle.read", account.Mobile, account.Password, Pkce.Create());
        var secondMore = await browser.AuthorizeAsync(
            TestIdentity.SecondApp, TestIdentity.SecondAppRedirect, "openid circle.read citizen.profile", account.Mobile, account.Password, Pkce.Create());

        Assert.All([first, second, secondAgain, secondMore], r => Assert.NotNull(r.Code));
        Assert.All([first, second, secondAgain, secondMore], r => Assert.False(r.SawLogin)); // signed in once, at sign-up
        Assert.True(first.SawConsent);
        Assert.True(second.SawConsent);
        Assert.False(secondAgain.SawConsent);
        Assert.True(secondMore.SawConsent); // a new scope asks again
    }

    [Fact]
    public async Task Declining_consent_returns_access_denied_to_the_app()
    {
        var account = NewAccount.Fresh();
        using var browser = new BrowserSession(Identity.Provider);
        await browser.SignUpAsync(account);

        var redirect = await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, account.Mobile, account.Password, Pkce.Create(), consent: false);

        Assert.Null(redirect.Code);
        Assert.Equal("access_denied", redirect.Error);
    }

    [Fact]
    public async Task A_refresh_token_rotates_and_its_reuse_revokes_the_whole_family()
    {
        var tokens = await Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);

        var rotated = IdentityClient.Ensure(await Identity.RefreshAsync(TestIdentity.MiniProgram, tokens.RefreshToken!));
        var reuse = await Identity.RefreshAsync(TestIdentity.MiniProgram, tokens.RefreshToken!);
        var afterReuse = await Identity.RefreshAsync(TestIdentity.MiniProgram, rotated.RefreshToken!);

        Assert.NotEqual(tokens.RefreshToken, rotated.RefreshToken);
        Assert.Equal(OidcConstants.TokenErrors.InvalidGrant, reuse.Error);
        Assert.Equal(OidcConstants.TokenErrors.InvalidGrant, afterReuse.Error);
    }

    [Fact]
    public async Task A_refresh_brings_a_new_id_token_for_the_same_person_signed_with_the_published_key()
    {
        var tokens = await Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);
        var rotated = IdentityClient.Ensure(await Identity.RefreshAsync(TestIdentity.MiniProgram, tokens.RefreshToken!));
        var discovery = await Identity.DiscoverAsync();
        using var http = new HttpClient();
        var keys = new JsonWebKeySet(await http.GetStringAsync(discovery.JwksUri));

        // ID tokens are not stored (only access and refresh tokens are): an app checks them by their signature.
        var checkedToken = await new JsonWebTokenHandler().ValidateTokenAsync(rotated.IdentityToken, new TokenValidationParameters
        {
            ValidIssuer = discovery.Issuer,
            ValidAudience = TestIdentity.MiniProgram,
            IssuerSigningKeys = keys.GetSigningKeys(),
        });

        Assert.True(checkedToken.IsValid, checkedToken.Exception?.Message);
        Assert.NotEqual(tokens.IdentityToken, rotated.IdentityToken);
        Assert.Equal(TestTokens.Payload(tokens.IdentityToken!).GetProperty("sub").GetString(), checkedToken.ClaimsIdentity.FindFirst("sub")?.Value);
    }

    [Fact]
    public async Task A_reused_authorization_code_is_refused_and_revokes_what_it_issued()
    {
        using var browser = new BrowserSession(Identity.Provider);
        var pkce = Pkce.Create();
        var redirect = await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword, pkce);

        var first = IdentityClient.Ensure(await Identity.ExchangeCodeAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, redirect.Code!, pkce.Verifier));
        var replay = await Identity.ExchangeCodeAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, redirect.Code!, pkce.Verifier);
        var refreshAfterReplay = await Identity.RefreshAsync(TestIdentity.MiniProgram, first.RefreshToken!);

        Assert.Equal(OidcConstants.TokenErrors.InvalidGrant, replay.Error);
        Assert.Equal(OidcConstants.TokenErrors.InvalidGrant, refreshAfterReplay.Error);
    }

    [Fact]
    public async Task A_code_needs_the_verifier_of_its_challenge()
    {
        using var browser = new BrowserSession(Identity.Provider);
        var redirect = await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword, Pkce.Create());

        var stolen = await Identity.ExchangeCodeAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, redirect.Code!, Pkce.Create().Verifier);

        Assert.Equal(OidcConstants.TokenErrors.InvalidGrant, stolen.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("plain")]
    public async Task An_authorization_request_without_an_S256_challenge_is_refused(string? method)
    {
        using var browser = new BrowserSession(Identity.Provider);
        var pkce = Pkce.Create();
        var url = browser.AuthorizeUrl(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes,
            method is null ? null : pkce with { Challenge = pkce.Verifier }, codeChallengeMethod: method ?? "S256");

        var page = await browser.GetAsync(url);

        // Refused before the redirect_uri is trusted, so on the provider's own page: no code ever leaves.
        Assert.Null(page.Redirect);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("invalid_request", page.Html);
        Assert.Contains("code_challenge", page.Html);
    }

    [Fact]
    public async Task An_unregistered_redirect_uri_gets_an_error_page_and_no_redirect()
    {
        using var browser = new BrowserSession(Identity.Provider);

        var page = await browser.GetAsync(browser.AuthorizeUrl(TestIdentity.MiniProgram, "https://evil.example/steal", CitizenScopes, Pkce.Create()));

        Assert.Null(page.Redirect);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Contains("invalid_request", page.Html);
        Assert.DoesNotContain("evil.example", page.Html);
    }

    [Fact]
    public async Task A_revoked_refresh_token_is_dead_and_a_revoked_partner_token_introspects_inactive()
    {
        var citizen = await Identity.SignInAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword);
        var partner = IdentityClient.Ensure(await Identity.ClientCredentialsAsync(TestIdentity.Partner, TestIdentity.PartnerSecret));

        var activeBefore = await Identity.IntrospectAsync(TestIdentity.Partner, TestIdentity.PartnerSecret, partner.AccessToken!);
        Assert.False((await Identity.RevokeAsync(TestIdentity.MiniProgram, citizen.RefreshToken!)).IsError);
        Assert.False((await Identity.RevokeAsync(TestIdentity.Partner, partner.AccessToken!, TestIdentity.PartnerSecret)).IsError);
        var activeAfter = await Identity.IntrospectAsync(TestIdentity.Partner, TestIdentity.PartnerSecret, partner.AccessToken!);
        var refresh = await Identity.RefreshAsync(TestIdentity.MiniProgram, citizen.RefreshToken!);

        Assert.True(activeBefore.IsActive);
        Assert.False(activeAfter.IsActive);
        Assert.Equal(OidcConstants.TokenErrors.InvalidGrant, refresh.Error);
    }

    [Fact]
    public async Task Signing_out_ends_the_single_sign_on_session()
    {
        using var browser = new BrowserSession(Identity.Provider);
        await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword, Pkce.Create());

        await browser.GetAsync("/connect/endsession");
        var again = await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, TestIdentity.CitizenMobile, TestIdentity.CitizenPassword, Pkce.Create());

        Assert.True(again.SawLogin);
    }

    [Fact]
    public async Task A_staff_token_carries_role_and_unit()
    {
        var tokens = await Identity.SignInAsync(
            TestIdentity.StaffConsole, TestIdentity.StaffConsoleRedirect, "openid profile citizen.profile", TestIdentity.GridWorkerMobile, TestIdentity.StaffPassword);

        var payload = TestTokens.Payload(tokens.AccessToken!);

        Assert.Equal("staff", payload.GetProperty("kind").GetString());
        Assert.Equal("grid_worker", payload.GetProperty("role").GetString());
        Assert.Equal(TestIdentity.GridWorkerUnit, payload.GetProperty("unit").GetString());
        Assert.Equal("backbone", payload.GetProperty("aud").GetString());
    }

    [Fact]
    public async Task Sign_up_checks_the_ID_number_and_creates_the_citizen_record()
    {
        var refused = NewAccount.Fresh() with { IdNumber = "510104199003071238" }; // wrong check character
        var account = NewAccount.Fresh("欧阳·娜娜");
        using var browser = new BrowserSession(Identity.Provider);

        var refusedPage = await browser.SignUpAsync(refused);
        await browser.SignUpAsync(account);
        var redirect = await browser.AuthorizeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, account.Mobile, account.Password, Pkce.Create());
        var signIn = await Identity.SignInAsync(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, account.Mobile, account.Password);
        var me = await Node.CitizensAs(signIn.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });

        Assert.Equal(HttpStatusCode.BadRequest, refusedPage.Status);
        Assert.Contains("id=\"id_number-error\"", refusedPage.Html);
        Assert.NotNull(redirect.Code);
        Assert.Equal("欧阳·娜娜", me.Name);
        Assert.Equal(account.Mobile, me.Phone);
        Assert.Equal(account.IdNumber[..6] + "********" + account.IdNumber[14..], me.IdNumberMasked);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var account = NewAccount.Fresh();
        using (var signUp = new BrowserSession(Identity.Provider))
        {
            await signUp.SignUpAsync(account);
        }

        using var browser = new BrowserSession(Identity.Provider);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            var login = await browser.GetAsync("/account/login");
            statuses.Add((await browser.SubmitAsync(login, new() { ["mobile"] = account.Mobile, ["password"] = "wrong-password" })).Status);
        }

        var right = await browser.SubmitAsync(await browser.GetAsync("/account/login"), new() { ["mobile"] = account.Mobile, ["password"] = account.Password });

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 4).Append(HttpStatusCode.TooManyRequests), statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, right.Status);
        Assert.Null(right.Redirect);
    }

    [Fact]
    public async Task The_login_form_refuses_a_post_without_its_antiforgery_token()
    {
        using var browser = new BrowserSession(Identity.Provider);
        var login = await browser.GetAsync("/account/login");

        var forged = await browser.SubmitAsync(login, new()
        {
            ["mobile"] = TestIdentity.CitizenMobile,
            ["password"] = TestIdentity.CitizenPassword,
            ["returnUrl"] = "/account/signed-in",
        }, dropHidden: true);
        var after = await browser.GetAsync(browser.AuthorizeUrl(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, CitizenScopes, Pkce.Create()));

        Assert.Equal(HttpStatusCode.BadRequest, forged.Status);
        Assert.Contains("name=\"password\"", after.Html); // still not signed in
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task The_login_form_never_redirects_off_site(string returnUrl)
    {
        using var browser = new BrowserSession(Identity.Provider);
        var login = await browser.GetAsync("/account/login");

        var signedIn = await browser.SubmitAsync(login, new()
        {
            ["mobile"] = TestIdentity.CitizenMobile,
            ["password"] = TestIdentity.CitizenPassword,
            ["returnUrl"] = returnUrl,
        });

        Assert.Null(signedIn.Redirect); // every hop stayed on the provider
        Assert.Equal(HttpStatusCode.OK, signedIn.Status);
    }

    [Fact]
    public async Task The_pages_speak_Chinese_by_default_and_English_on_request()
    {
        using var browser = new BrowserSession(Identity.Provider);

        var chinese = await browser.GetAsync("/account/login");
        var english = await browser.GetAsync("/account/login?lang=en");

        Assert.Contains("登录", chinese.Html);
        Assert.Contains("lang=\"zh-CN\"", chinese.Html);
        Assert.Contains("Sign in", english.Html);
    }

    [Fact]
    public async Task Every_rpc_refuses_a_call_without_a_token_but_health_answers()
    {
        var health = await Node.Health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        var error = await RpcAssert.Fails(StatusCode.Unauthenticated, () => Node.Anonymous.GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" }).ResponseAsync);

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Contains("Bearer", error.Status.Detail);
    }
}

using Backbone.Tests.Support;
using Backbone.V1;
using Microsoft.Playwright;

namespace Backbone.Tests.Identity;

/// <summary>
/// A real browser (Debian's Chromium, driven by Playwright) signs up and signs in through the rendered
/// pages and lands back in the app with a code. The test command installs chromium when it is missing.
/// </summary>
[Collection(SharedNodeCollection.Name)]
public sealed class BrowserSignInTests(BackboneFixture fixture)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_citizen_signs_up_in_a_browser_consents_and_the_app_receives_a_code()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run ./test.sh, which installs it (apt-get install chromium).");
        var node = fixture.Node;
        var account = NewAccount.Fresh("李·浏览器");
        var pkce = Pkce.Create();
        using var urls = new BrowserSession(node.Identity.Provider);
        var authorize = urls.AuthorizeUrl(TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, "openid profile citizen.profile", pkce, state: "browser-state");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox"], // CI runs as root
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { Locale = "zh-CN" });
        // The app's callback: nothing listens there, so answer it in the browser and keep the URL.
        var landed = new TaskCompletionSource<string>();
        await page.RouteAsync($"{TestIdentity.MiniProgramRedirect}**", async route =>
        {
            landed.TrySetResult(route.Request.Url);
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/html; charset=utf-8", Body = "<p>小程序</p>" });
        });

        await page.GotoAsync(authorize);
        await page.GetByText("注册新账号").ClickAsync();
        await page.FillAsync("#phone", account.Mobile);
        await page.FillAsync("#password", account.Password);
        await page.FillAsync("#name", account.Name);
        await page.FillAsync("#id_number", account.IdNumber);
        await page.FillAsync("#address", account.Address);
        await page.GetByRole(AriaRole.Button, new() { Name = "注册" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "同意" }).ClickAsync();
        var callback = new Uri(await landed.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);
        Assert.Equal("browser-state", query["state"]);
        var tokens = IdentityClient.Ensure(await node.Identity.ExchangeCodeAsync(
            TestIdentity.MiniProgram, TestIdentity.MiniProgramRedirect, query["code"]!, pkce.Verifier));
        var me = await node.CitizensAs(tokens.AccessToken!).GetCitizenAsync(new GetCitizenRequest { CitizenId = "me" });
        Assert.Equal("李·浏览器", me.Name);
    }
}

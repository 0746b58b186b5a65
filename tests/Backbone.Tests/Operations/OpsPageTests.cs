using System.Collections.Concurrent;
using Backbone.Tests.Support;
using Backbone.V1;
using Microsoft.Playwright;

namespace Backbone.Tests.Operations;

/// <summary>
/// The operations page in a real browser (Debian's Chromium through Playwright): a district handler
/// signs in through the sign-on, sees the unit tree, watches a street's open cases rise when a citizen
/// submits an appeal through the API, issues a directive and watches its coverage fill in as a
/// community acknowledges it.
/// </summary>
[Collection(SharedNodeCollection.Name)]
public sealed class OpsPageTests(BackboneFixture fixture)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task A_district_head_sees_cases_and_directive_coverage_move_live()
    {
        var node = fixture.Node;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var (page, console) = await SignInAsync(browser, TestIdentity.DistrictHandlerMobile);
        var street = page.Locator($"[data-testid='open-{TestIdentity.StreetUnit}']");
        await ShowsAsync(page, street, console);

        var before = int.Parse(await street.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        var who = await page.Locator("#who").InnerTextAsync(); // the name comes from the ID token: access tokens carry none

        var citizen = await node.CasesAsCitizenAsync();
        await citizen.SubmitAppealAsync(new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "noise",
            Description = "广场舞音响扰民（运行总览测试）",
            Location = new LatLng { Latitude = 30.59, Longitude = 104.063 },
        });
        var after = await Until(async () => int.Parse(await street.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture), n => n == before + 1);

        await page.FillAsync("#d-title", "防汛值守到岗确认");
        await page.FillAsync("#d-body", "请各社区立即确认值守人员到岗。");
        await page.ClickAsync("#d-issue");
        var communities = page.Locator("[data-testid='coverage-UNIT_LEVEL_COMMUNITY']");
        await communities.WaitForAsync(new() { Timeout = 20_000 });
        var issued = await communities.InnerTextAsync();
        var community = new GridService.GridServiceClient(node.Channel.WithToken(await node.Identity.StaffTokenAsync(TestIdentity.CommunityWorkerMobile, "openid cases.handle")));
        var received = await community.ListDirectivesAsync(new ListDirectivesRequest { UnitCode = TestIdentity.CommunityUnit });
        await community.AcknowledgeDirectiveAsync(new AcknowledgeDirectiveRequest { DirectiveId = received.Directives[0].Directive.DirectiveId });
        var acknowledged = await Until(() => communities.InnerTextAsync(), text => text.Contains("已签收 1 /", StringComparison.Ordinal));
        var screenshot = Path.Combine(Path.GetTempPath(), "backbone-ops-page.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });

        Assert.Equal(before + 1, after);
        Assert.StartsWith("District Handler · ", who, StringComparison.Ordinal);
        Assert.Contains("已签收 0 /", issued);
        Assert.Contains("社区", acknowledged);
        Assert.Equal("防汛值守到岗确认", received.Directives[0].Directive.Title);
        Assert.True(new FileInfo(screenshot).Length > 0);

        await page.Locator($"tr[data-unit='{TestIdentity.StreetUnit}']").ClickAsync(); // drill down to the street's communities
        await page.Locator($"[data-testid='open-{TestIdentity.CommunityUnit}']").WaitForAsync(new() { Timeout = 20_000 });
        Assert.True(int.Parse(await page.Locator($"[data-testid='open-{TestIdentity.CommunityUnit}']").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 1); // the appeal above is there

        await page.GotoAsync($"http://127.0.0.1:{node.Settings.WebPort}/ops/?lang=en"); // English, same sign-in
        await page.GetByText("Units: open and overdue cases, the three rates").WaitForAsync(new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task A_city_administrator_sees_the_feature_flags_and_opens_the_cluster_view()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var (page, console) = await SignInAsync(browser, TestIdentity.CityAdminMobile);
        var circle = page.Locator("[data-testid='flag-ServiceCircle']");
        await ShowsAsync(page, circle, console);
        var flag = await circle.InnerTextAsync();
        var cluster = page.Locator("#cluster");
        await cluster.WaitForAsync(new() { Timeout = 20_000 }); // shown once the dashboard session is open

        var dashboard = await page.RunAndWaitForPopupAsync(() => cluster.ClickAsync());
        var silos = dashboard.Locator(".info-box-content:has-text('Active Silos') .info-box-number"); // read from the cluster itself
        await ShowsAsync(dashboard, silos, console);

        Assert.Equal("15分钟生活圈: 已开放", flag);
        Assert.EndsWith("/dashboard/", dashboard.Url, StringComparison.Ordinal);
        Assert.Equal("1", await silos.InnerTextAsync());
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run ./test.sh, which installs it (apt-get install chromium).");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>Opens the operations page and signs in through the sign-on's form; the console collects what the page logged.</summary>
    private async Task<(IPage Page, ConcurrentQueue<string> Console)> SignInAsync(IBrowser browser, string mobile)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { Locale = "zh-CN", ViewportSize = new ViewportSize { Width = 1280, Height = 720 } });
        var console = new ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Enqueue($"error: {error}");
        await page.GotoAsync($"http://127.0.0.1:{fixture.Node.Settings.WebPort}/ops/");
        await page.FillAsync("#mobile", mobile);
        await page.FillAsync("#password", TestIdentity.StaffPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        return (page, console);
    }

    private static async Task ShowsAsync(IPage page, ILocator element, ConcurrentQueue<string> console)
    {
        try
        {
            await element.WaitForAsync(new() { Timeout = 20_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The page never showed {element} at {page.Url}. Browser console:\n{string.Join('\n', console)}\n{await page.ContentAsync()}");
        }
    }

    private static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.False(timeout.IsCancellationRequested, $"The page never showed what was expected; last: {value}");
            await Task.Delay(200);
        }
    }
}

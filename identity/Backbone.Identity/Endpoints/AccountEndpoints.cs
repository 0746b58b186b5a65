using System.Globalization;
using System.Security.Claims;
using Backbone.Grains.Abstractions.Errors;
using Backbone.Identity.Accounts;
using Backbone.Identity.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace Backbone.Identity.Endpoints;

/// <summary>The sign-in and sign-up pages. A signed-in browser carries the single sign-on cookie every app's sign-in reuses.</summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/account/login";
    public const string SignUpPath = "/account/signup";

    public static void MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LoginPath, (HttpContext http, IAntiforgery antiforgery) =>
            LoginPage(http, antiforgery, mobile: null, error: null));
        endpoints.MapPost(LoginPath, SignInAsync).DisableAntiforgery(); // validated explicitly below, with a page as the answer
        endpoints.MapGet(SignUpPath, (HttpContext http, IAntiforgery antiforgery) =>
            SignUpPage(http, antiforgery, form: null, errors: null, message: null));
        endpoints.MapPost(SignUpPath, SignUpAsync).DisableAntiforgery();
    }

    /// <summary>The cookie session that makes every later sign-in silent: the account id only.</summary>
    public static Task StartSessionAsync(HttpContext http, Account account)
    {
        var identity = new ClaimsIdentity([new Claim(IdentityCookie.AccountIdClaim, account.Id)], IdentityCookie.Scheme);
        return http.SignInAsync(IdentityCookie.Scheme, new ClaimsPrincipal(identity));
    }

    /// <summary>Only a path on this site: a crafted returnUrl can never send the browser elsewhere.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 1 } url && url[0] == '/' && url[1] is not ('/' or '\\') && !url.Contains('\n') && !url.Contains('\r')
            ? url
            : "/account/signed-in";

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, AccountService accounts)
    {
        if (await RejectForgedAsync(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var form = http.Request.Form;
        var language = PageLanguages.Of(http.Request);
        var result = await accounts.SignInAsync(form["mobile"], form["password"], http.RequestAborted);
        switch (result.Outcome)
        {
            case SignInOutcome.SignedIn:
                await StartSessionAsync(http, result.Account!);
                return Results.Redirect(SafeReturnUrl(form["returnUrl"]));
            case SignInOutcome.Locked:
                var until = result.LockedUntil!.Value.ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm", CultureInfo.InvariantCulture);
                return LoginPage(http, antiforgery, form["mobile"], language.Pick(
                    $"密码错误次数过多，账号已锁定至 {until}（北京时间）。",
                    $"Too many wrong passwords: the account is locked until {until} (Beijing time)."), StatusCodes.Status429TooManyRequests);
            default:
                return LoginPage(http, antiforgery, form["mobile"], language.Pick("手机号或密码不正确。", "Wrong mobile number or password."),
                    StatusCodes.Status401Unauthorized);
        }
    }

    private static async Task<IResult> SignUpAsync(HttpContext http, IAntiforgery antiforgery, AccountService accounts)
    {
        if (await RejectForgedAsync(http, antiforgery) is { } forged)
        {
            return forged;
        }

        var form = http.Request.Form;
        try
        {
            var account = await accounts.SignUpAsync(form["phone"], form["password"], form["name"], form["id_number"], form["address"], http.RequestAborted);
            await StartSessionAsync(http, account);
            return Results.Redirect(SafeReturnUrl(form["returnUrl"]));
        }
        catch (DomainException e) when (e.Kind == DomainErrorKind.InvalidArgument)
        {
            var errors = e.Violations.GroupBy(v => v.Field).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(v => v.Description)));
            return SignUpPage(http, antiforgery, form, errors, message: null, StatusCodes.Status400BadRequest);
        }
        catch (DomainException e) when (e.Kind is DomainErrorKind.AlreadyExists or DomainErrorKind.FailedPrecondition)
        {
            var language = PageLanguages.Of(http.Request);
            var message = e.Kind == DomainErrorKind.AlreadyExists
                ? language.Pick("该身份证号码已登记为市民，请直接登录，或携带身份证到政务服务中心认领账号。",
                    "This resident ID number is already registered: sign in, or claim the account at a service centre with your ID card.")
                : e.Message;
            return SignUpPage(http, antiforgery, form, errors: null, message, StatusCodes.Status409Conflict);
        }
    }

    private static async Task<IResult?> RejectForgedAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (await antiforgery.IsRequestValidAsync(http))
        {
            return null;
        }

        var language = PageLanguages.Of(http.Request);
        return Html.Page(language, language.Pick("请求已过期", "Request expired"),
            $"<p>{Html.Encode(language.Pick("页面已过期或来源不明，请返回重新提交。", "This form expired or did not come from this site; go back and submit it again."))}</p>",
            StatusCodes.Status400BadRequest);
    }

    private static IResult LoginPage(HttpContext http, IAntiforgery antiforgery, string? mobile, string? error, int status = StatusCodes.Status200OK)
    {
        var language = PageLanguages.Of(http.Request);
        var returnUrl = SafeReturnUrl(http.Request.HasFormContentType ? http.Request.Form["returnUrl"] : http.Request.Query["returnUrl"]);
        var tokens = antiforgery.GetAndStoreTokens(http);
        var signUp = $"{SignUpPath}?returnUrl={Uri.EscapeDataString(returnUrl)}&lang={language.Pick("zh", "en")}";
        var other = $"{LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}&lang={language.Pick("en", "zh")}";
        var body = $"""
            {Html.Error(error)}
            <form method="post" action="{LoginPath}?lang={language.Pick("zh", "en")}">
            {Html.Hidden(tokens.FormFieldName, tokens.RequestToken)}
            {Html.Hidden("returnUrl", returnUrl)}
            {Html.Field("mobile", language.Pick("手机号", "Mobile number"), "tel", mobile, null, "username")}
            {Html.Field("password", language.Pick("密码", "Password"), "password", null, null, "current-password")}
            <button type="submit">{language.Pick("登录", "Sign in")}</button>
            </form>
            <p class="hint"><a href="{Html.Encode(signUp)}">{language.Pick("注册新账号", "Create an account")}</a> ·
            <a href="{Html.Encode(other)}">{language.Pick("English", "中文")}</a></p>
            """;
        return Html.Page(language, language.Pick("天府市民云 · 登录", "Citizen Cloud · Sign in"), body, status);
    }

    private static IResult SignUpPage(
        HttpContext http, IAntiforgery antiforgery, IFormCollection? form, IReadOnlyDictionary<string, string>? errors, string? message,
        int status = StatusCodes.Status200OK)
    {
        var language = PageLanguages.Of(http.Request);
        var returnUrl = SafeReturnUrl(form is null ? http.Request.Query["returnUrl"] : form["returnUrl"]);
        var tokens = antiforgery.GetAndStoreTokens(http);
        string? Value(string name) => form?[name];
        string? ErrorOf(string name) => errors?.GetValueOrDefault(name);
        var body = $"""
            {Html.Error(message)}
            <form method="post" action="{SignUpPath}?lang={language.Pick("zh", "en")}">
            {Html.Hidden(tokens.FormFieldName, tokens.RequestToken)}
            {Html.Hidden("returnUrl", returnUrl)}
            {Html.Field("phone", language.Pick("手机号", "Mobile number"), "tel", Value("phone"), ErrorOf("phone"), "username")}
            {Html.Field("password", language.Pick("密码（至少8位）", "Password (8 characters or more)"), "password", null, ErrorOf("password"), "new-password")}
            {Html.Field("name", language.Pick("姓名", "Full name"), "text", Value("name"), ErrorOf("name"), "name")}
            {Html.Field("id_number", language.Pick("居民身份证号码", "Resident ID number"), "text", Value("id_number"), ErrorOf("id_number"), "off")}
            {Html.Field("address", language.Pick("居住地址", "Home address"), "text", Value("address"), ErrorOf("address"), "street-address")}
            <button type="submit">{language.Pick("注册", "Sign up")}</button>
            </form>
            """;
        return Html.Page(language, language.Pick("天府市民云 · 注册", "Citizen Cloud · Sign up"), body, status);
    }
}

public static class IdentityCookie
{
    public const string Scheme = "Backbone.Identity.Session";
    public const string AccountIdClaim = "account_id";
}

using System.Collections.Immutable;
using System.Security.Claims;
using Backbone.Grains.Abstractions.Access;
using Backbone.Identity.Accounts;
using Backbone.Identity.Pages;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Backbone.Identity.Endpoints;

/// <summary>
/// The OpenID Connect endpoints OpenIddict hands to the application: authorization (sign-in and consent),
/// token (what goes into tokens), userinfo and end-session. Discovery, JWKS, introspection and revocation
/// are answered by OpenIddict itself.
/// </summary>
public static class ConnectEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string UserInfoPath = "/connect/userinfo";
    public const string EndSessionPath = "/connect/endsession";
    public const string IntrospectionPath = "/connect/introspect";
    public const string RevocationPath = "/connect/revoke";

    private const string Decision = "decision";

    public static void MapConnectEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery();
        endpoints.MapPost(TokenPath, ExchangeAsync).DisableAntiforgery();
        endpoints.MapMethods(UserInfoPath, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).DisableAntiforgery();
        endpoints.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).DisableAntiforgery();
        endpoints.MapGet("/account/signed-in", (HttpContext http) =>
        {
            var language = PageLanguages.Of(http.Request);
            return Html.Page(language, language.Pick("已登录", "Signed in"),
                $"<p>{Html.Encode(language.Pick("您已登录天府市民云，可以返回应用。", "You are signed in to Citizen Cloud; you can go back to the app."))}</p>");
        });
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext http, IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations,
        AccountService accounts, IAntiforgery antiforgery)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await http.AuthenticateAsync(IdentityCookie.Scheme);
        var account = session.Succeeded && session.Principal.FindFirst(IdentityCookie.AccountIdClaim)?.Value is { } accountId
            ? await accounts.FindAsync(accountId, http.RequestAborted)
            : null;
        var mustSignIn = account is null || (request.HasPromptValue(PromptValues.Login) && !http.Request.HasFormContentType);
        if (mustSignIn)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back to this request after signing in, without prompt=login so the round trip ends.
            var parameters = request.GetParameters()
                .Where(p => p.Key != Parameters.Prompt)
                .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString()));
            var returnUrl = http.Request.PathBase + AuthorizePath + QueryString.Create(parameters);
            var language = request.UiLocales?.StartsWith("en", StringComparison.OrdinalIgnoreCase) == true ? "en" : "zh";
            return Results.Redirect($"{AccountEndpoints.LoginPath}?lang={language}&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted)
            ?? throw new InvalidOperationException("OpenIddict let an unknown client through.");
        var applicationId = await applications.GetIdAsync(application, http.RequestAborted);
        var scopes = request.GetScopes();
        var granted = await authorizations.FindAsync(
            account!.Subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, scopes, http.RequestAborted).ToListAsync();
        var consentType = await applications.GetConsentTypeAsync(application, http.RequestAborted);

        if (granted.Count == 0 && consentType != ConsentTypes.Implicit)
        {
            if (!http.Request.HasFormContentType || !http.Request.Form.ContainsKey(Decision))
            {
                return request.HasPromptValue(PromptValues.None)
                    ? Refuse(Errors.ConsentRequired, "The user has not agreed to these scopes for this app.")
                    : ConsentPage(http, antiforgery, await applications.GetLocalizedDisplayNameAsync(application, http.RequestAborted), scopes);
            }

            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return ErrorPage(http, Errors.InvalidRequest, "The consent form expired or did not come from this site.");
            }

            if (http.Request.Form[Decision] != "accept")
            {
                return Refuse(Errors.AccessDenied, "The user declined.");
            }
        }

        var identity = Identify(account, scopes);
        var authorization = granted.LastOrDefault()
            ?? await authorizations.CreateAsync(identity, account.Subject, applicationId!, AuthorizationTypes.Permanent, scopes, http.RequestAborted);
        identity.SetAuthorizationId(await authorizations.GetIdAsync(authorization, http.RequestAborted));
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> ExchangeAsync(HttpContext http, IOpenIddictApplicationManager applications, AccountService accounts)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted)
                ?? throw new InvalidOperationException("OpenIddict let an unknown client through.");
            var scopes = request.GetScopes();
            if (scopes.IsEmpty)
            {
                // No scope asked for: every backbone scope the app is allowed.
                var permissions = await applications.GetPermissionsAsync(application, http.RequestAborted);
                scopes = [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                    .Select(p => p[Permissions.Prefixes.Scope.Length..]).Where(BackboneScopes.All.Contains)];
            }

            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId);
            identity.SetClaim(BackboneClaims.Kind, CallerKinds.App);
            identity.SetScopes(scopes);
            identity.SetResources(BackboneClaims.Audience);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // The code or refresh token was already checked by OpenIddict (signature, expiry, reuse, PKCE).
            var redeemed = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var subject = redeemed.Principal?.GetClaim(Claims.Subject);
            var account = subject is null ? null : await accounts.FindBySubjectAsync(subject, http.RequestAborted);
            if (account is null)
            {
                return Refuse(Errors.InvalidGrant, "The account behind this grant no longer exists.");
            }

            var identity = Identify(account, redeemed.Principal!.GetScopes());
            identity.SetAuthorizationId(redeemed.Principal!.GetAuthorizationId());
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, AccountService accounts)
    {
        var token = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var subject = token.Principal?.GetClaim(Claims.Subject);
        var account = subject is null ? null : await accounts.FindBySubjectAsync(subject, http.RequestAborted);
        if (account is null)
        {
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account behind this token no longer exists.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [Claims.Subject] = account.Subject,
            [BackboneClaims.Kind] = account.Kind,
        };
        if (token.Principal!.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = account.Name;
            if (account.Role is not null)
            {
                claims[Claims.Role] = account.Role;
                claims[BackboneClaims.Unit] = account.Unit!;
            }
        }

        if (token.Principal!.HasScope(Scopes.Phone))
        {
            claims[Claims.PhoneNumber] = account.Mobile;
            claims[Claims.PhoneNumberVerified] = false;
        }

        return Results.Json(claims);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityCookie.Scheme);
        // OpenIddict redirects to the post_logout_redirect_uri only when the app registered it.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/login" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>The token contents for a signed-in account: who, what kind, and for staff their role and unit.</summary>
    private static ClaimsIdentity Identify(Account account, ImmutableArray<string> scopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Subject);
        identity.SetClaim(Claims.Name, account.Name);
        identity.SetClaim(BackboneClaims.Kind, account.Kind);
        identity.SetClaim(Claims.Role, account.Role);
        identity.SetClaim(BackboneClaims.Unit, account.Unit);
        identity.SetScopes(scopes);
        identity.SetResources(BackboneClaims.Audience);
        // The name is for the app (its ID token, with the profile scope), never in the access token: the
        // backbone reads none, and an access token travels in every call's headers, through every proxy and
        // log on the way, as readable base64.
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name when scopes.Contains(Scopes.Profile) => [Destinations.IdentityToken],
            Claims.Name => [],
            _ => [Destinations.AccessToken, Destinations.IdentityToken],
        });
        return identity;
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>A sign-in request the provider refuses without sending the browser back to the app.</summary>
    public static IResult ErrorPage(HttpContext http, string? error, string? description)
    {
        var language = PageLanguages.Of(http.Request);
        return Html.Page(language, language.Pick("无法登录", "Cannot sign in"),
            $"""
            <p>{Html.Encode(language.Pick("应用发来的登录请求无效，请返回应用重试或联系应用提供方。", "The app sent an invalid sign-in request. Go back to the app, or contact its provider."))}</p>
            <p class="error"><code>{Html.Encode(error)}</code>: {Html.Encode(description)}</p>
            """,
            StatusCodes.Status400BadRequest);
    }

    private static IResult ConsentPage(HttpContext http, IAntiforgery antiforgery, string? appName, ImmutableArray<string> scopes)
    {
        var language = PageLanguages.Of(http.Request);
        var tokens = antiforgery.GetAndStoreTokens(http);
        var parameters = (http.Request.HasFormContentType ? http.Request.Form.AsEnumerable() : http.Request.Query.AsEnumerable())
            .Where(p => p.Key != tokens.FormFieldName && p.Key != Decision);
        var hidden = string.Concat(parameters.SelectMany(p => p.Value.Select(v => Html.Hidden(p.Key, v))));
        var items = string.Concat(scopes.Where(BackboneScopes.Descriptions.ContainsKey).Select(s =>
            $"<li>{Html.Encode(language.Pick(BackboneScopes.Descriptions[s].Chinese, BackboneScopes.Descriptions[s].English))}</li>"));
        var body = $"""
            <p>{Html.Encode(language.Pick($"“{appName}”请求以下权限：", $"“{appName}” asks to:"))}</p>
            <ul>{items}<li>{Html.Encode(language.Pick("知道您的姓名", "Know your name"))}</li></ul>
            <form method="post" action="{AuthorizePath}">
            {Html.Hidden(tokens.FormFieldName, tokens.RequestToken)}
            {hidden}
            <button type="submit" name="{Decision}" value="accept">{language.Pick("同意", "Allow")}</button>
            <button type="submit" name="{Decision}" value="deny">{language.Pick("拒绝", "Deny")}</button>
            </form>
            """;
        return Html.Page(language, language.Pick("授权确认", "Allow access"), body);
    }
}

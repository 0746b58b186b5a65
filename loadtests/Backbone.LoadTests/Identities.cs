using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Core;

namespace Backbone.LoadTests;

/// <summary>Someone the run acts as: their access token (as call headers) and, for citizens, their id and refresh token.</summary>
public sealed record Participant(string Subject, Metadata Headers, string? RefreshToken = null);

/// <summary>
/// Test identities made the way real ones are: synthetic citizens sign up on the provider's sign-up page
/// and sign in through the authorization-code flow with PKCE (a public client, such as the mini-program),
/// staff sign in the same way, partner apps use client credentials. Nothing here needs a back door.
/// </summary>
public sealed class Identities(Uri authority)
{
    private static readonly string[] SyntheticNames = ["王测试", "李压测", "张模拟", "刘演练", "陈试点", "Test Citizen"];

    /// <summary>A partner app's token (client credentials).</summary>
    public async Task<Participant> PartnerAsync(string clientId, string secret)
    {
        using var http = new HttpClient();
        var answer = await http.PostAsync(new Uri(authority, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));
        return new Participant(clientId, Bearer((await TokensFrom(answer)).Access));
    }

    /// <summary>Signs up <paramref name="count"/> new citizens, <paramref name="parallel"/> at a time, and signs each in.</summary>
    public async Task<IReadOnlyList<Participant>> NewCitizensAsync(int count, int parallel, string clientId, string redirectUri, string scope)
    {
        var made = new Participant[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            var (mobile, password) = await SignUpAsync(i);
            made[i] = await SignInAsync(clientId, redirectUri, scope, mobile, password, signedUp: true);
        });
        return made;
    }

    /// <summary>Signs a person in through the login page (and the consent page, if the client shows one).</summary>
    public async Task<Participant> SignInAsync(string clientId, string redirectUri, string scope, string mobile, string password, bool signedUp = false)
    {
        using var browser = new ProviderPages(authority);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var page = await browser.GetAsync(
            $"connect/authorize?client_id={Uri.EscapeDataString(clientId)}&response_type=code&scope={Uri.EscapeDataString(scope)}" +
            $"&redirect_uri={Uri.EscapeDataString(redirectUri)}&state=load&code_challenge={challenge}&code_challenge_method=S256");
        for (var step = 0; step < 4 && page.Redirect is null; step++)
        {
            page = page.Html.Contains("name=\"password\"", StringComparison.Ordinal)
                ? await browser.SubmitAsync(page, new() { ["mobile"] = mobile, ["password"] = password })
                : page.Html.Contains("name=\"decision\"", StringComparison.Ordinal)
                    ? await browser.SubmitAsync(page, new() { ["decision"] = "accept" })
                    : throw new InvalidOperationException($"Signing {mobile} in to {clientId}: unexpected page ({page.Status}).");
        }

        var code = System.Web.HttpUtility.ParseQueryString(page.Redirect?.Query ?? string.Empty)["code"]
            ?? throw new InvalidOperationException($"Signing {mobile} in to {clientId}: no code came back ({page.Redirect}).");
        using var http = new HttpClient();
        var answer = await http.PostAsync(new Uri(authority, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["code"] = code,
            ["code_verifier"] = verifier,
        }));
        var (token, refresh) = await TokensFrom(answer);
        var subject = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1])).RootElement.GetProperty("sub").GetString()!;
        return new Participant(subject, Bearer(token), refresh);
    }

    /// <summary>
    /// What an app does when its access token expires: redeems its refresh token for new tokens. Returns the
    /// new refresh token (the one redeemed is spent). A refusal is thrown as the gRPC status an app would
    /// take it for, so the runner counts it like any failed call.
    /// </summary>
    public async Task<string> RefreshAsync(HttpClient http, string clientId, string refreshToken)
    {
        using var answer = await http.PostAsync(new Uri(authority, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = clientId,
            ["refresh_token"] = refreshToken,
        }));
        if (!answer.IsSuccessStatusCode)
        {
            var code = answer.StatusCode switch
            {
                HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized => StatusCode.Unauthenticated, // invalid_grant: sign in again
                HttpStatusCode.TooManyRequests => StatusCode.ResourceExhausted,
                _ => StatusCode.Unavailable,
            };
            throw new RpcException(new Status(code, $"Refresh refused ({(int)answer.StatusCode}): {await answer.Content.ReadAsStringAsync()}"));
        }

        return (await TokensFrom(answer)).Refresh ?? throw new RpcException(new Status(StatusCode.Internal, "The refresh gave no new refresh token."));
    }

    /// <summary>One synthetic citizen on the real sign-up page: a fresh mobile number and a valid resident ID number.</summary>
    private async Task<(string Mobile, string Password)> SignUpAsync(int index)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var browser = new ProviderPages(authority);
            var mobile = "199" + Random.Shared.Next(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
            var password = "load-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
            var form = await browser.GetAsync("account/signup");
            var done = await browser.SubmitAsync(form, new()
            {
                ["phone"] = mobile,
                ["password"] = password,
                ["name"] = SyntheticNames[index % SyntheticNames.Length], // names are letters only: no serial numbers
                ["id_number"] = SyntheticIdNumber(),
                ["address"] = "成都市锦江区春熙路1号（压测）",
            });
            // Refused sign-ups render the form again with 400 (a field) or 409 (that number is registered).
            if (done.Status is not (HttpStatusCode.BadRequest or HttpStatusCode.Conflict) && (int)done.Status < 500)
            {
                return (mobile, password);
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"Sign-up of a synthetic citizen failed ({done.Status}): {done.Html[..Math.Min(300, done.Html.Length)]}");
            }
        }
    }

    // 成都's central districts; with 70 years of birth dates and 1,000 serials: 255 million numbers.
    private static readonly string[] Regions = ["510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114", "510115", "510116"];
    private const long NumberSpace = 10L * 25_550 * 1000;
    private static long _nextNumber = Random.Shared.NextInt64(NumberSpace);

    /// <summary>
    /// A resident ID number (GB 11643) with a real birth date and its check character; each call of a run
    /// a different one (a sequence from a random start), so registrations do not collide by chance.
    /// </summary>
    public static string SyntheticIdNumber()
    {
        var n = Interlocked.Increment(ref _nextNumber) % NumberSpace;
        var birth = new DateOnly(1940, 1, 1).AddDays((int)(n / 1000 % 25_550));
        var first17 = Regions[n / 1000 / 25_550] + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + (n % 1000).ToString("D3", CultureInfo.InvariantCulture);
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = first17.Select((c, i) => (c - '0') * weights[i]).Sum();
        return first17 + "10X98765432"[sum % 11];
    }

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    private static async Task<(string Access, string? Refresh)> TokensFrom(HttpResponseMessage answer)
    {
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        return answer.IsSuccessStatusCode
            ? (body.GetProperty("access_token").GetString()!, body.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null)
            : throw new InvalidOperationException($"No token: {body}");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}


using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Backbone.Tests.Support;

public static class TestTokens
{
    /// <summary>The claims of a JWT, read without checking it.</summary>
    public static JsonElement Payload(string jwt) => JsonDocument.Parse(Base64UrlEncoder.Decode(jwt.Split('.')[1])).RootElement;
}

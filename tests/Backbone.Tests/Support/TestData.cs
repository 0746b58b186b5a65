using Backbone.Grains.Citizens;
using Backbone.V1;

namespace Backbone.Tests.Support;

/// <summary>Fresh, valid personal data for each test, so tests never collide on the one-per-ID-number rule.</summary>
public static class TestData
{
    /// <summary>The purpose apps and staff state when reading someone's data (logged for the holder).</summary>
    public const string Purpose = "核对办件信息 / checking an application";

    private static readonly string CreditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    /// <summary>
    /// A fresh unified social credit code of a limited company (91) in 锦江区 (510104): random organisation
    /// code with its GB 11714 check, then the GB 32100 check character (the algorithms are checked against
    /// real published codes in CreditCodeTests).
    /// </summary>
    public static string CreditCode()
    {
        var body = "91510104" + string.Concat(Enumerable.Range(0, 8).Select(_ => CreditCodeAlphabet[Random.Shared.Next(CreditCodeAlphabet.Length)]));
        var withOrganisationCheck = body + Backbone.Grains.Abstractions.Enterprises.CreditCode.OrganisationCheck(body.AsSpan(8));
        return withOrganisationCheck + Backbone.Grains.Abstractions.Enterprises.CreditCode.CheckCharacter(withOrganisationCheck);
    }

    private static readonly string[] Regions = ["110105", "310115", "440304", "510104", "650102", "330106"];

    public static string IdNumber()
    {
        var birth = new DateOnly(1950, 1, 1).AddDays(Random.Shared.Next(0, 365 * 60));
        var first17 = Regions[Random.Shared.Next(Regions.Length)] + birth.ToString("yyyyMMdd") + Random.Shared.Next(0, 1000).ToString("D3");
        return first17 + ResidentIdNumber.CheckCharacter(first17);
    }

    public static string Phone() => "139" + Random.Shared.Next(0, 100_000_000).ToString("D8");

    public static string RequestId() => Guid.NewGuid().ToString();

    /// <summary>A valid registration of a new person: fresh request id, ID number and phone.</summary>
    public static RegisterCitizenRequest Registration(
        string name = "阿依古丽·买买提", string address = "四川省成都市武侯区人民南路四段1号") => new()
        {
            RequestId = RequestId(),
            Name = name,
            IdNumber = IdNumber(),
            Phone = Phone(),
            Address = address,
        };
}

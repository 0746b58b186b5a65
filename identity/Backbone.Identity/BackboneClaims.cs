using Backbone.Grains.Abstractions.Access;

namespace Backbone.Identity;

/// <summary>The scopes of the backbone's RPCs. Every access token carrying one is issued for the audience <see cref="BackboneClaims.Audience"/>.</summary>
public static class BackboneScopes
{
    public const string CitizenProfile = "citizen.profile";
    public const string CitizenUpdate = "citizen.update";
    public const string CitizenRegister = "citizen.register";
    public const string CasesSubmit = "cases.submit";
    public const string CasesHandle = "cases.handle";
    public const string EnterpriseManage = "enterprise.manage";
    public const string EnterpriseRead = "enterprise.read";
    public const string CertificatesRead = "certificates.read";
    public const string CertificatesVerify = "certificates.verify";
    public const string GridRead = "grid.read";
    public const string GridManage = "grid.manage";
    public const string CircleRead = "circle.read";
    public const string CircleManage = "circle.manage";

    /// <summary>Each scope with what the consent page tells the citizen, in Chinese and English.</summary>
    public static readonly IReadOnlyDictionary<string, (string Chinese, string English)> Descriptions =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            [CitizenProfile] = ("读取您的市民档案（姓名、手机号、地址）", "Read your citizen record (name, mobile, address)"),
            [CitizenUpdate] = ("修改您的手机号和地址", "Change your mobile number and address"),
            [CitizenRegister] = ("登记新市民", "Register new citizens"),
            [CasesSubmit] = ("以您的名义提交诉求和办事申请", "Submit appeals and applications on your behalf"),
            [CasesHandle] = ("办理派发的案件", "Handle dispatched cases"),
            [EnterpriseManage] = ("登记、变更和注销企业", "Register, change and deregister enterprises"),
            [EnterpriseRead] = ("查询企业登记信息和证照（须说明用途，企业可查看记录）", "Read enterprise records and licences (stating why; the enterprise sees it)"),
            [CertificatesRead] = ("查看您的电子证照", "See your electronic certificates"),
            [CertificatesVerify] = ("核验他人出示的电子证照（须说明用途，持证人可查看记录）", "Verify certificates shown to you (stating why; the holder sees it)"),
            [GridRead] = ("查询网格和所属社区", "Look up grid units and your community"),
            [GridManage] = ("管理网格", "Manage grid units"),
            [CircleRead] = ("查询15分钟社区生活圈", "Find 15-minute community service circles"),
            [CircleManage] = ("维护社区生活圈设施", "Maintain community service circle facilities"),
        };

    public static readonly IReadOnlySet<string> All = new HashSet<string>(Descriptions.Keys, StringComparer.Ordinal);
}

/// <summary>Claims the provider puts in tokens beyond the standard ones.</summary>
public static class BackboneClaims
{
    /// <summary>The <c>aud</c> of every access token for the backbone's RPCs.</summary>
    public const string Audience = "backbone";

    /// <summary>Who the token speaks for: <see cref="CallerKinds"/>.</summary>
    public const string Kind = "kind";

    /// <summary>A staff member's grid unit code.</summary>
    public const string Unit = "unit";
}

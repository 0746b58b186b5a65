using System.Net.Http.Json;
using System.Text.Json;
using Backbone.Tests.Support;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;

namespace Backbone.Tests.Enterprises;

/// <summary>
/// The story through the real APIs: an entrepreneur opens a restaurant with one submission,
/// receives its licences as electronic certificates, a partner app verifies one, the entrepreneur sees
/// that read in the enterprise's access log, and the enterprise is deregistered once nothing blocks it.
/// </summary>
[Collection(SharedNodeCollection.Name)]
public sealed class OpenRestaurantTests(BackboneFixture fixture)
{
    // Inside grid 510104001001001 (锦江区 春熙路街道 红星社区 第1网格).
    public static readonly LatLng InFirstGrid = new() { Latitude = 30.59, Longitude = 104.063 };

    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task An_entrepreneur_opens_a_restaurant_with_one_submission_and_gets_its_licences()
    {
        var owner = await Services.NewCitizenAsync(Node, "李蓉");
        var regulator = await Services.PartnerAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var code = TestData.CreditCode();
        var registered = await regulator.Enterprises.RegisterEnterpriseAsync(Registration(code, owner.CitizenId));

        var missing = await RpcAssert.Fails(StatusCode.FailedPrecondition, () => owner.Cases.SubmitApplicationAsync(Restaurant(code)).ResponseAsync);
        var submitted = await owner.Cases.SubmitApplicationAsync(Restaurant(code, withUploads: true));

        // The market regulator decides the business licence; the other two parts start only then.
        var licencePart = submitted.Parts[0].CaseId;
        await district.DecideAsync(licencePart, approve: true);
        var afterLicence = await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });
        var foodPart = await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseId = afterLicence.Parts[1].CaseId });
        var operating = await owner.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code });

        // Tax is decided before the food licence: the bundle completes whichever part finishes last.
        await district.DecideAsync(afterLicence.Parts[2].CaseId, approve: true);
        var halfway = await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });
        await district.DecideAsync(foodPart.CaseId, approve: true);
        var done = await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });
        var licences = await owner.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest { EnterpriseCreditCode = code });

        Assert.Equal(EnterpriseStage.Establishing, registered.Stage);
        Assert.Equal(
            ["premises", "articles", "floor-plan", "food-safety-rules"],
            missing.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations.Select(v => v.Subject));
        Assert.All(missing.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations, v => Assert.Equal("MISSING_MATERIAL", v.Type));

        Assert.Equal(["enterprise.business-licence", "food.business-licence", "tax.registration"], submitted.Parts.Select(p => p.Service));
        Assert.Equal([CaseState.Submitted, CaseState.Unspecified, CaseState.Unspecified], submitted.Parts.Select(p => p.State));
        Assert.Equal((CaseState.Submitted, code), (submitted.State, submitted.EnterpriseCreditCode));
        Assert.Single((await owner.Cases.ListMyCasesAsync(new ListMyCasesRequest())).Cases); // one case, its parts inside

        Assert.Equal([CaseState.Approved, CaseState.Submitted, CaseState.Submitted], afterLicence.Parts.Select(p => p.State));
        Assert.Equal(EnterpriseStage.Operating, operating.Stage);
        var licenceNumber = licences.Certificates.Single(c => c.Type == "business-licence").Number;
        // The food licence application got the business licence issued a moment before, without asking.
        Assert.Contains(foodPart.Materials, m => m.Code == "business-licence" && m.Source == AttachedMaterial.Types.Source.Certificate && m.Reference == licenceNumber);
        Assert.Equal((submitted.CaseId, "510104"), (foodPart.ParentCaseId, foodPart.UnitCode));

        Assert.Equal(CaseState.Submitted, halfway.State);
        Assert.Equal(CaseState.Approved, done.State);
        Assert.Equal([CaseState.Approved, CaseState.Approved, CaseState.Approved], done.Parts.Select(p => p.State));
        Assert.Equal(["business-licence", "food-business-licence"], licences.Certificates.Select(c => c.Type).Order());
        Assert.All(licences.Certificates, c =>
        {
            Assert.Equal((CertificateStatus.Valid, "enterprise", code, "成都市锦江区蓉味餐饮有限公司"), (c.Status, c.HolderKind, c.HolderId, c.HolderName));
            Assert.Equal(8, c.VerificationCode.Length);
            Assert.Equal(("510104", "市场监督管理局"), (c.IssuerUnitCode, c.IssuerDepartment));
        });
        Assert.Null(licences.Certificates.Single(c => c.Type == "business-licence").ValidTo); // 长期
        Assert.NotNull(licences.Certificates.Single(c => c.Type == "food-business-licence").ValidTo);
    }

    [Fact]
    public async Task A_partner_verifies_a_licence_and_the_entrepreneur_sees_it_in_the_access_log()
    {
        var (owner, code) = await OpenedRestaurant();
        var partner = await Services.PartnerAsync(Node);
        var food = (await owner.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest { EnterpriseCreditCode = code }))
            .Certificates.Single(c => c.Type == "food-business-licence");

        // The partner's mini-program backend verifies through the JSON gateway.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Node.Settings.WebPort}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Node.Identity.PartnerTokenAsync());
        var answer = await http.PostAsJsonAsync($"/v1/certificates/{food.Number}:verify", new { verificationCode = food.VerificationCode, purpose = "外卖平台商户入驻核验" });
        var verified = await answer.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var wrongCode = await RpcAssert.Fails(StatusCode.NotFound, () => partner.Certificates.VerifyCertificateAsync(new VerifyCertificateRequest
        {
            Number = food.Number,
            VerificationCode = "AAAAAAAA",
            Purpose = "外卖平台商户入驻核验",
        }).ResponseAsync);
        var unknown = await RpcAssert.Fails(StatusCode.NotFound, () => partner.Certificates.VerifyCertificateAsync(new VerifyCertificateRequest
        {
            Number = "5101-SPJY-2026-000000000000",
            VerificationCode = food.VerificationCode,
            Purpose = "外卖平台商户入驻核验",
        }).ResponseAsync);
        var log = await owner.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest { EnterpriseCreditCode = code });
        var ownLog = await owner.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest());

        Assert.Equal(
            ("CERTIFICATE_STATUS_VALID", "食品经营许可证", "成都****有限公司"),
            (verified.GetProperty("status").GetString(), verified.GetProperty("typeName").GetString(), verified.GetProperty("holderNameMasked").GetString()));
        Assert.Equal(wrongCode.Status.Detail.Replace("5101-SPJY-2026-000000000000", food.Number, StringComparison.Ordinal), unknown.Status.Detail.Replace("5101-SPJY-2026-000000000000", food.Number, StringComparison.Ordinal));
        var entry = Assert.Single(log.Entries); // the failed attempts read nothing
        Assert.Equal(("app", TestIdentity.Partner, "backbone.v1.CertificateService/VerifyCertificate", "外卖平台商户入驻核验"), (entry.AccessorKind, entry.Accessor, entry.Rpc, entry.Purpose));
        Assert.Empty(ownLog.Entries); // the licence is the enterprise's, not the owner's personal data
    }

    [Fact]
    public async Task Guessing_verification_codes_closes_the_certificate_to_verification()
    {
        var (owner, code) = await OpenedRestaurant();
        var partner = await Services.PartnerAsync(Node);
        var licence = (await owner.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest { EnterpriseCreditCode = code })).Certificates[0];
        VerifyCertificateRequest Guess(string verificationCode) => new() { Number = licence.Number, VerificationCode = verificationCode, Purpose = "核验" };

        for (var i = 0; i < 5; i++)
        {
            await RpcAssert.Fails(StatusCode.NotFound, () => partner.Certificates.VerifyCertificateAsync(Guess($"GUESS00{i}")).ResponseAsync);
        }

        var closed = await RpcAssert.Fails(StatusCode.ResourceExhausted, () => partner.Certificates.VerifyCertificateAsync(Guess(licence.VerificationCode)).ResponseAsync);

        Assert.NotNull(closed.GetRpcStatus()!.GetDetail<RetryInfo>());
        Assert.Empty((await owner.Citizens.ListMyDataAccessAsync(new ListMyDataAccessRequest { EnterpriseCreditCode = code })).Entries);
    }

    [Fact]
    public async Task Deregistration_is_refused_while_a_licence_lives_and_revokes_the_business_licence_when_it_passes()
    {
        var (owner, code) = await OpenedRestaurant();
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var partner = await Services.PartnerAsync(Node);
        var licences = (await owner.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest { EnterpriseCreditCode = code })).Certificates;
        var food = licences.Single(c => c.Type == "food-business-licence");
        var business = licences.Single(c => c.Type == "business-licence");
        var deregister = new DeregisterEnterpriseRequest { CreditCode = code, Reason = "股东会决议解散" };

        var refused = await RpcAssert.Fails(StatusCode.FailedPrecondition, () => owner.Enterprises.DeregisterEnterpriseAsync(deregister).ResponseAsync);
        var revoked = await district.Certificates.RevokeCertificateAsync(new RevokeCertificateRequest { Number = food.Number, Reason = "企业申请注销" });
        var deregistered = await owner.Enterprises.DeregisterEnterpriseAsync(deregister);
        var businessAfter = await partner.Certificates.VerifyCertificateAsync(new VerifyCertificateRequest
        {
            Number = business.Number,
            VerificationCode = business.VerificationCode,
            Purpose = "合同签订前核验",
        });
        var applyingAfter = await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => owner.Cases.SubmitApplicationAsync(Application("tax.registration", code)).ResponseAsync);

        var blocker = Assert.Single(refused.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations);
        Assert.Equal(("DEREGISTRATION_BLOCKED", $"licences/{food.Number}"), (blocker.Type, blocker.Subject));
        Assert.Equal(CertificateStatus.Revoked, revoked.Status);
        Assert.Equal(EnterpriseStage.Deregistered, deregistered.Stage);
        Assert.Equal("deregister", deregistered.History[^1].Action);
        Assert.Equal(CertificateStatus.Revoked, businessAfter.Status);
        Assert.Contains("deregistered", applyingAfter.Status.Detail);
    }

    [Fact]
    public async Task An_open_application_blocks_deregistration_by_name()
    {
        var owner = await Services.NewCitizenAsync(Node);
        var regulator = await Services.PartnerAsync(Node);
        var code = TestData.CreditCode();
        await regulator.Enterprises.RegisterEnterpriseAsync(Registration(code, owner.CitizenId));
        var open = await owner.Cases.SubmitApplicationAsync(Restaurant(code, withUploads: true));

        var refused = await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => regulator.Enterprises.DeregisterEnterpriseAsync(new DeregisterEnterpriseRequest { CreditCode = code, Reason = "未开业即注销" }).ResponseAsync);

        Assert.Equal([$"applications/{open.CaseId}"], refused.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations.Select(v => v.Subject));
        Assert.Equal(EnterpriseStage.Establishing, (await owner.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code })).Stage);
    }

    [Fact]
    public async Task A_denied_business_licence_skips_the_parts_that_wait_for_it_and_denies_the_bundle()
    {
        var owner = await Services.NewCitizenAsync(Node);
        var regulator = await Services.PartnerAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var code = TestData.CreditCode();
        await regulator.Enterprises.RegisterEnterpriseAsync(Registration(code, owner.CitizenId));
        var submitted = await owner.Cases.SubmitApplicationAsync(Restaurant(code, withUploads: true));

        await district.DecideAsync(submitted.Parts[0].CaseId, approve: false);
        var denied = await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });

        Assert.Equal(CaseState.Denied, denied.State);
        Assert.Equal([false, true, true], denied.Parts.Select(p => p.Skipped));
        Assert.Contains("enterprise.business-licence", denied.Decision);
        Assert.Empty((await owner.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest { EnterpriseCreditCode = code })).Certificates);
    }

    [Fact]
    public async Task Only_the_enterprises_own_people_apply_for_it_and_the_code_is_checked()
    {
        var owner = await Services.NewCitizenAsync(Node);
        var stranger = await Services.NewCitizenAsync(Node);
        var regulator = await Services.PartnerAsync(Node);
        var code = TestData.CreditCode();
        await regulator.Enterprises.RegisterEnterpriseAsync(Registration(code, owner.CitizenId));

        await RpcAssert.Fails(StatusCode.NotFound, () => stranger.Cases.SubmitApplicationAsync(Restaurant(code, withUploads: true)).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => stranger.Enterprises.GetEnterpriseAsync(new GetEnterpriseRequest { CreditCode = code }).ResponseAsync);
        var badCode = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => owner.Cases.SubmitApplicationAsync(Restaurant(code[..17] + (code[17] == '0' ? '1' : '0'), withUploads: true)).ResponseAsync);
        var noCode = await RpcAssert.Fails(StatusCode.InvalidArgument, () => owner.Cases.SubmitApplicationAsync(Restaurant(string.Empty, withUploads: true)).ResponseAsync);

        Assert.Equal(["enterprise_credit_code"], RpcAssert.ViolatedFields(badCode));
        Assert.Equal(["enterprise_credit_code"], RpcAssert.ViolatedFields(noCode));
        Assert.Empty((await owner.Cases.ListMyCasesAsync(new ListMyCasesRequest())).Cases);
    }

    /// <summary>A restaurant whose bundle is fully approved: its owner and code.</summary>
    private async Task<(Services Owner, string Code)> OpenedRestaurant()
    {
        var owner = await Services.NewCitizenAsync(Node, "李蓉");
        var regulator = await Services.PartnerAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var code = TestData.CreditCode();
        await regulator.Enterprises.RegisterEnterpriseAsync(Registration(code, owner.CitizenId));
        var submitted = await owner.Cases.SubmitApplicationAsync(Restaurant(code, withUploads: true));
        await district.DecideAsync(submitted.Parts[0].CaseId, approve: true);
        foreach (var part in (await owner.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId })).Parts.Skip(1))
        {
            await district.DecideAsync(part.CaseId, approve: true);
        }

        return (owner, code);
    }

    public static RegisterEnterpriseRequest Registration(string code, string legalRepresentativeId) => new()
    {
        CreditCode = code,
        Name = "成都市锦江区蓉味餐饮有限公司",
        Address = "成都市锦江区春熙路88号",
        LegalRepresentativeId = legalRepresentativeId,
        GridUnitCode = "510104001001001",
    };

    private static SubmitApplicationRequest Restaurant(string code, bool withUploads = false)
    {
        var request = new SubmitApplicationRequest
        {
            RequestId = TestData.RequestId(),
            Bundle = "open-restaurant",
            EnterpriseCreditCode = code,
            Description = "开一家川菜馆：设立登记、食品经营许可、税务登记一次申请。",
            Location = InFirstGrid,
        };
        if (withUploads)
        {
            request.Materials.Add(new ProvidedMaterial { Code = "premises", AttachmentRef = "oss://uploads/lease-chunxi-88.pdf" });
            request.Materials.Add(new ProvidedMaterial { Code = "articles", AttachmentRef = "oss://uploads/articles.pdf" });
            request.Materials.Add(new ProvidedMaterial { Code = "floor-plan", AttachmentRef = "oss://uploads/floor-plan.png" });
            request.Materials.Add(new ProvidedMaterial { Code = "food-safety-rules", AttachmentRef = "oss://uploads/food-safety.pdf" });
        }

        return request;
    }

    private static SubmitApplicationRequest Application(string service, string code) => new()
    {
        RequestId = TestData.RequestId(),
        Service = service,
        EnterpriseCreditCode = code,
        Description = "申请办理",
        Location = InFirstGrid,
    };
}

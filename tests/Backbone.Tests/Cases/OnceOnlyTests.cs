using Backbone.Tests.Support;
using Backbone.V1;
using Google.Rpc;
using Grpc.Core;
using Source = Backbone.V1.AttachedMaterial.Types.Source;

namespace Backbone.Tests.Cases;

/// <summary>"Once-only": what the city holds is attached by itself; only the rest is asked for, by name.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class OnceOnlyTests(BackboneFixture fixture)
{
    private static readonly LatLng InFirstGrid = new() { Latitude = 30.59, Longitude = 104.063 };

    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task A_certificate_issued_on_approval_is_attached_to_a_later_application_that_needs_it()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);

        var beforeCertificate = await RpcAssert.Fails(StatusCode.FailedPrecondition, () => citizen.Cases.SubmitApplicationAsync(Permit()).ResponseAsync);
        var certificateApplication = await citizen.Cases.SubmitApplicationAsync(Application("residence.certificate", ("lease", "oss://uploads/lease.pdf")));
        await district.DecideAsync(certificateApplication.CaseId, approve: true);
        var approved = await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = certificateApplication.CaseId });
        var mine = await citizen.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest());
        var onlyPhotoMissing = await RpcAssert.Fails(StatusCode.FailedPrecondition, () => citizen.Cases.SubmitApplicationAsync(Permit()).ResponseAsync);
        var permit = await citizen.Cases.SubmitApplicationAsync(Permit(("photo", "oss://uploads/photo.jpg")));

        Assert.Equal(["residence-proof", "photo"], MissingMaterials(beforeCertificate));
        Assert.Contains("居住证明", beforeCertificate.Status.Detail);
        var certificate = Assert.Single(mine.Certificates);
        Assert.Equal(("residence-certificate", "居住证明", certificate.Number), (certificate.Type, certificate.TypeName, approved.CertificateNumber));
        Assert.Equal((CertificateStatus.Valid, citizen.CitizenId, "510104001001"), (certificate.Status, certificate.HolderId, certificate.IssuerUnitCode));
        Assert.Equal(["photo"], MissingMaterials(onlyPhotoMissing));
        Assert.Equal(
            [("id-card", Source.Record, citizen.CitizenId), ("residence-proof", Source.Certificate, certificate.Number), ("photo", Source.Provided, "oss://uploads/photo.jpg")],
            permit.Materials.Select(m => (m.Code, m.Source, m.Reference)));
        Assert.Equal("510104001", permit.UnitCode); // a street-level matter
    }

    [Fact]
    public async Task A_revoked_certificate_no_longer_stands_in_for_the_material()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var certificateApplication = await citizen.Cases.SubmitApplicationAsync(Application("residence.certificate", ("lease", "oss://uploads/lease.pdf")));
        await district.DecideAsync(certificateApplication.CaseId, approve: true);
        var number = (await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = certificateApplication.CaseId })).CertificateNumber;

        await district.Certificates.RevokeCertificateAsync(new RevokeCertificateRequest { Number = number, Reason = "已搬离，居住证明作废" });
        var missing = await RpcAssert.Fails(StatusCode.FailedPrecondition, () => citizen.Cases.SubmitApplicationAsync(Permit(("photo", "oss://p.jpg"))).ResponseAsync);

        Assert.Equal(["residence-proof"], MissingMaterials(missing));
        Assert.Equal(CertificateStatus.Revoked, (await citizen.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest())).Certificates[0].Status);
    }

    [Fact]
    public async Task Only_the_issuing_unit_revokes_a_certificate()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var gridWorker = await Services.StaffAsync(Node, TestIdentity.GridWorkerMobile);
        var application = await citizen.Cases.SubmitApplicationAsync(Application("residence.certificate", ("lease", "oss://uploads/lease.pdf")));
        await district.DecideAsync(application.CaseId, approve: true);
        var number = (await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = application.CaseId })).CertificateNumber;

        // Issued by community 510104001001; its grid below may not revoke it.
        await RpcAssert.Fails(StatusCode.PermissionDenied,
            () => gridWorker.Certificates.RevokeCertificateAsync(new RevokeCertificateRequest { Number = number, Reason = "试图撤销" }).ResponseAsync);

        Assert.Equal(CertificateStatus.Valid, (await citizen.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest())).Certificates[0].Status);
    }

    [Fact]
    public async Task Materials_that_are_not_the_matters_or_named_twice_are_refused_and_nothing_is_written()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var request = Application("residence.certificate", ("lease", "oss://a.pdf"), ("lease", "oss://b.pdf"), ("tax-receipt", "oss://c.pdf"), ("photo", ""));

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.Cases.SubmitApplicationAsync(request).ResponseAsync);
        var both = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.Cases.SubmitApplicationAsync(
            Application("residence.certificate", ("lease", "oss://a.pdf")).With(r => r.Bundle = "move-in")).ResponseAsync);
        var unknownBundle = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.Cases.SubmitApplicationAsync(
            Application(string.Empty).With(r => r.Bundle = "open-casino")).ResponseAsync);

        Assert.Equal(["materials[1].code", "materials[2].code", "materials[3].code", "materials[3].attachment_ref"], RpcAssert.ViolatedFields(error));
        Assert.Equal(["service"], RpcAssert.ViolatedFields(both));
        Assert.Equal(["bundle"], RpcAssert.ViolatedFields(unknownBundle));
        Assert.Empty((await citizen.Cases.ListMyCasesAsync(new ListMyCasesRequest())).Cases);
    }

    [Fact]
    public async Task A_citizens_bundle_runs_its_parts_in_the_order_the_bundle_requires()
    {
        var citizen = await Services.NewCitizenAsync(Node);
        var district = await Services.StaffAsync(Node, TestIdentity.DistrictHandlerMobile);
        var request = Application(string.Empty, ("lease", "oss://lease.pdf"), ("photo", "oss://photo.jpg"), ("household-register", "oss://hukou.pdf"))
            .With(r => r.Bundle = "move-in");

        var submitted = await citizen.Cases.SubmitApplicationAsync(request);
        // The medical insurance part waits for nothing: decided first, the bundle still waits.
        await district.DecideAsync(submitted.Parts[2].CaseId, approve: true);
        var waiting = await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });
        await district.DecideAsync(submitted.Parts[0].CaseId, approve: true);
        var permitStarted = await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });
        var permitPart = await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = permitStarted.Parts[1].CaseId });
        await district.DecideAsync(permitPart.CaseId, approve: true);
        var done = await citizen.Cases.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });

        Assert.Equal([CaseState.Submitted, CaseState.Unspecified, CaseState.Submitted], submitted.Parts.Select(p => p.State));
        Assert.Equal((CaseState.Submitted, CaseState.Unspecified), (waiting.State, waiting.Parts[1].State));
        Assert.Equal([CaseState.Approved, CaseState.Submitted, CaseState.Approved], permitStarted.Parts.Select(p => p.State));
        Assert.Contains(permitPart.Materials, m => m.Code == "residence-proof" && m.Source == Source.Certificate);
        Assert.Equal(CaseState.Approved, done.State);
        Assert.Equal(["residence-certificate", "residence-permit"], (await citizen.Certificates.ListMyCertificatesAsync(new ListMyCertificatesRequest())).Certificates.Select(c => c.Type).Order());
    }

    private static IReadOnlyList<string> MissingMaterials(RpcException error) =>
        [.. error.GetRpcStatus()!.GetDetail<PreconditionFailure>()!.Violations.Select(v => v.Subject)];

    private static SubmitApplicationRequest Permit(params (string Code, string Ref)[] uploads) => Application("residence.permit", uploads);

    private static SubmitApplicationRequest Application(string service, params (string Code, string Ref)[] uploads) => new()
    {
        RequestId = TestData.RequestId(),
        Service = service,
        Description = "申请办理居住相关事项。",
        Location = InFirstGrid,
        Materials = { uploads.Select(u => new ProvidedMaterial { Code = u.Code, AttachmentRef = u.Ref }) },
    };
}

using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;

namespace Backbone.Tests.Citizens;

[Collection(SharedNodeCollection.Name)]
public sealed class CitizenServiceTests(BackboneFixture fixture)
{
    private CitizenService.CitizenServiceClient Citizens => fixture.Node.Citizens;

    [Fact]
    public async Task Health_check_answers_serving()
    {
        var answer = await fixture.Node.Health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
    }

    [Fact]
    public async Task A_registered_citizen_reads_back_with_the_id_number_masked()
    {
        var request = TestData.Registration();

        var registered = await Citizens.RegisterCitizenAsync(request);
        var read = await Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });

        Assert.Equal(registered, read);
        Assert.Matches("^[0-9a-f]{32}$", read.CitizenId);
        Assert.Equal("阿依古丽·买买提", read.Name);
        Assert.Equal(request.Phone, read.Phone);
        Assert.Equal(request.Address, read.Address);
        Assert.Equal(request.IdNumber[..6] + "********" + request.IdNumber[14..], read.IdNumberMasked);
        Assert.Equal(string.Empty, read.GridUnitCode);
        Assert.NotEmpty(read.Etag);
        Assert.True(read.CreateTime.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public async Task The_full_id_number_never_leaves_the_backbone()
    {
        var request = TestData.Registration();

        var registered = await Citizens.RegisterCitizenAsync(request);
        var read = await Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId });

        Assert.DoesNotContain(request.IdNumber, registered.ToByteString().ToStringUtf8());
        Assert.DoesNotContain(request.IdNumber, read.ToByteString().ToStringUtf8());
        Assert.DoesNotContain(request.IdNumber.Substring(6, 8), JsonFormatter.Default.Format(read));
    }

    [Fact]
    public async Task The_same_request_id_twice_gives_one_citizen()
    {
        var request = TestData.Registration();

        var first = await Citizens.RegisterCitizenAsync(request);
        var retry = await Citizens.RegisterCitizenAsync(request);

        Assert.Equal(first, retry);
    }

    [Fact]
    public async Task A_reused_request_id_with_different_content_is_refused()
    {
        var request = TestData.Registration();
        await Citizens.RegisterCitizenAsync(request);
        var different = request.Clone();
        different.IdNumber = TestData.IdNumber();

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => Citizens.RegisterCitizenAsync(different).ResponseAsync);

        Assert.Equal(["request_id"], RpcAssert.ViolatedFields(error));
    }

    [Fact]
    public async Task A_second_registration_of_an_id_number_is_refused_as_already_existing()
    {
        var first = TestData.Registration();
        await Citizens.RegisterCitizenAsync(first);
        var second = TestData.Registration("张三");
        second.IdNumber = first.IdNumber;

        await RpcAssert.Fails(StatusCode.AlreadyExists, () => Citizens.RegisterCitizenAsync(second).ResponseAsync);
    }

    [Fact]
    public async Task Racing_registrations_of_one_id_number_create_exactly_one_citizen()
    {
        var idNumber = TestData.IdNumber();
        var attempts = Enumerable.Range(0, 10).Select(_ =>
        {
            var request = TestData.Registration();
            request.IdNumber = idNumber;
            return request;
        });

        var outcomes = await Task.WhenAll(attempts.Select(async request =>
        {
            try
            {
                return (await Citizens.RegisterCitizenAsync(request)).CitizenId;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                return null;
            }
        }));

        Assert.Single(outcomes, id => id is not null);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_every_bad_field_named()
    {
        var request = new RegisterCitizenRequest
        {
            RequestId = "",
            Name = "张3",
            IdNumber = "510104199003071238",
            Phone = "12345",
            Address = "",
        };

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => Citizens.RegisterCitizenAsync(request).ResponseAsync);

        Assert.Equal(["request_id", "name", "id_number", "phone", "address"], RpcAssert.ViolatedFields(error));
        Assert.Contains("check character", error.Status.Detail);
    }

    [Fact]
    public async Task A_refused_registration_stores_nothing()
    {
        var valid = TestData.Registration();
        var refused = valid.Clone();
        refused.Phone = "not a phone";

        await RpcAssert.Fails(StatusCode.InvalidArgument, () => Citizens.RegisterCitizenAsync(refused).ResponseAsync);

        // Neither the request id nor the ID number was taken by the refused attempt.
        var registered = await Citizens.RegisterCitizenAsync(valid);
        Assert.Equal(valid.Phone, registered.Phone);
    }

    [Fact]
    public async Task An_unknown_citizen_is_not_found()
    {
        var unknown = Guid.NewGuid().ToString("N");

        await RpcAssert.Fails(StatusCode.NotFound, () => Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = unknown }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => Citizens.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = unknown,
            Phone = TestData.Phone(),
            UpdateMask = new FieldMask { Paths = { "phone" } },
        }).ResponseAsync);
    }

    [Fact]
    public async Task A_malformed_citizen_id_is_an_invalid_argument()
    {
        var error = await RpcAssert.Fails(
            StatusCode.InvalidArgument, () => Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = "../../etc/passwd" }).ResponseAsync);

        Assert.Equal(["citizen_id"], RpcAssert.ViolatedFields(error));
    }

    [Fact]
    public async Task An_update_changes_only_the_masked_fields()
    {
        var registered = await Citizens.RegisterCitizenAsync(TestData.Registration());
        var newPhone = TestData.Phone();

        var updated = await Citizens.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = registered.CitizenId,
            Phone = newPhone,
            Address = "this is ignored: address is not in the mask",
            UpdateMask = new FieldMask { Paths = { "phone" } },
            Etag = registered.Etag,
        });

        Assert.Equal(newPhone, updated.Phone);
        Assert.Equal(registered.Address, updated.Address);
        Assert.NotEqual(registered.Etag, updated.Etag);
        Assert.Equal(updated, await Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId }));
    }

    [Fact]
    public async Task An_update_based_on_a_stale_etag_is_aborted_and_changes_nothing()
    {
        var registered = await Citizens.RegisterCitizenAsync(TestData.Registration());
        var current = await Citizens.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = registered.CitizenId,
            Address = "上海市黄浦区人民大道200号",
            UpdateMask = new FieldMask { Paths = { "address" } },
        });

        await RpcAssert.Fails(StatusCode.Aborted, () => Citizens.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = registered.CitizenId,
            Address = "北京市东城区",
            UpdateMask = new FieldMask { Paths = { "address" } },
            Etag = registered.Etag,
        }).ResponseAsync);

        Assert.Equal(current, await Citizens.GetCitizenAsync(new GetCitizenRequest { Purpose = TestData.Purpose, CitizenId = registered.CitizenId }));
    }

    [Fact]
    public async Task An_update_of_a_field_outside_the_mask_rules_is_refused()
    {
        var registered = await Citizens.RegisterCitizenAsync(TestData.Registration());

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => Citizens.UpdateCitizenAsync(new UpdateCitizenRequest
        {
            CitizenId = registered.CitizenId,
            UpdateMask = new FieldMask { Paths = { "name" } },
        }).ResponseAsync);

        Assert.Equal(["update_mask"], RpcAssert.ViolatedFields(error));
    }
}

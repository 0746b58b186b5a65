using Backbone.Tests.Support;
using Backbone.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Backbone.Tests.Security;

/// <summary>
/// Bytes that are no valid request message, as a broken or hostile client sends them: refused as INVALID_ARGUMENT
/// naming the message and what is wrong with it, where grpc-dotnet alone answered UNKNOWN ("Exception was thrown
/// by handler.") and logged an error with its stack trace for every one. And more bytes than any request needs,
/// refused before they are held.
/// </summary>
[Collection(SharedNodeCollection.Name)]
public sealed class UnreadableRequestTests(BackboneFixture fixture)
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(bytes => bytes, bytes => bytes);

    private static readonly Method<byte[], byte[]> SubmitAppeal = new(MethodType.Unary, CaseService.Descriptor.FullName, "SubmitAppeal", Raw, Raw);

    public static TheoryData<string, byte[], string> Unreadable => new()
    {
        // description (field 3) holding the bytes FF FE, which are no UTF-8
        { "a string that is not UTF-8", [0x1A, 0x04, (byte)'b', 0xFF, 0xFE, (byte)'x'], "String is invalid UTF-8" },
        // request_id (field 1) announcing five bytes and sending one
        { "a message cut short", [0x0A, 0x05, (byte)'a'], "the input ended unexpectedly in the middle of a field" },
        // a field number of 0, which no message has
        { "a field numbered 0", [0x00, 0x01], "invalid tag" },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task A_request_that_is_no_valid_message_is_an_invalid_argument_naming_the_message(string kind, byte[] bytes, string problem)
    {
        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => Send(bytes));

        Assert.True(error.Status.Detail.StartsWith("The request is not a valid SubmitAppealRequest: ", StringComparison.Ordinal)
            && error.Status.Detail.Contains(problem, StringComparison.OrdinalIgnoreCase), $"{kind}: {error.Status.Detail}");
    }

    [Fact]
    public async Task The_same_request_sent_whole_is_read_and_goes_on_to_the_token_check()
    {
        var whole = new SubmitAppealRequest { RequestId = TestData.RequestId(), Description = "路灯不亮" }.ToByteArray();

        await RpcAssert.Fails(StatusCode.Unauthenticated, () => Send(whole)); // no token sent: read, then refused for that
    }

    [Fact]
    public async Task A_request_larger_than_64_KiB_is_refused_unread_whoever_sends_it()
    {
        var citizen = new CaseService.CaseServiceClient(fixture.Node.Channel); // no token: the size is checked first
        var oversized = new SubmitAppealRequest { RequestId = TestData.RequestId(), Description = new string('长', 30_000) }; // 90 KB in UTF-8

        var error = await RpcAssert.Fails(StatusCode.ResourceExhausted, () => citizen.SubmitAppealAsync(oversized).ResponseAsync);

        Assert.Contains("exceeds the maximum configured message size", error.Status.Detail);
    }

    private Task<byte[]> Send(byte[] bytes) =>
        fixture.Node.Channel.CreateCallInvoker().AsyncUnaryCall(SubmitAppeal, null, default, bytes).ResponseAsync;
}

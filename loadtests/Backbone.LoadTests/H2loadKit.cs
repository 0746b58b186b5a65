using System.Buffers.Binary;
using Backbone.V1;
using Google.Protobuf;
using Grpc.Health.V1;

namespace Backbone.LoadTests;

/// <summary>
/// What h2load needs to call real RPCs: bearer tokens of identities made through the real sign-on, and
/// gRPC-framed request bodies. h2load is a C client that costs a fraction of this runner per call, so on a
/// machine the generator shares with the node it reaches rates this runner cannot (loadtests/h2load-open.sh).
/// </summary>
public static class H2loadKit
{
    /// <summary>FindNearby bodies, each a random point of the city (h2load sends one body per process).</summary>
    public const int NearbyPoints = 8;

    public static async Task WriteAsync(string directory, LoadContext context)
    {
        Directory.CreateDirectory(directory);
        var citizen = context.Citizens.Count > 0 ? context.Citizens[0] : throw new ArgumentException("--h2load-kit needs --citizens 1 or more.");
        await File.WriteAllTextAsync(Path.Combine(directory, "partner.token"), BearerToken(context.Partner));
        await File.WriteAllTextAsync(Path.Combine(directory, "citizen.token"), BearerToken(citizen));
        await File.WriteAllBytesAsync(Path.Combine(directory, "health.bin"), Frame(new HealthCheckRequest()));
        await File.WriteAllBytesAsync(Path.Combine(directory, "citizen-me.bin"), Frame(new GetCitizenRequest { CitizenId = "me" }));
        for (var i = 0; i < NearbyPoints; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, $"nearby-{i}.bin"), Frame(new FindNearbyRequest { Location = Scenarios.AnyPoint() }));
        }
    }

    /// <summary>A unary request as gRPC puts it on the wire: not compressed (0), the length (4 bytes, big-endian), the message.</summary>
    public static byte[] Frame(IMessage message)
    {
        var frame = new byte[5 + message.CalculateSize()];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)(frame.Length - 5));
        message.WriteTo(frame.AsSpan(5));
        return frame;
    }

    private static string BearerToken(Participant participant) =>
        participant.Headers.GetValue("authorization") is { } value && value.StartsWith("Bearer ", StringComparison.Ordinal)
            ? value["Bearer ".Length..]
            : throw new InvalidOperationException($"{participant.Subject} has no bearer token.");
}

namespace Backbone.Silo.Security;

/// <summary>
/// The largest request any call may send, as JSON or as protobuf: 64 KiB, where the longest text a request carries is a
/// directive's 5,000 characters (at most 20 KB in UTF-8). Requests are read whole before the caller's token is checked,
/// so this bounds what anyone can make a node hold for each call in flight (grpc-dotnet's own default is 4 MiB).
/// </summary>
public static class RequestSize
{
    public const int MaxBytes = 64 * 1024;
}

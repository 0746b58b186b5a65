namespace Backbone.Tests.Support;

public static class MessageExtensions
{
    /// <summary>The request with <paramref name="change"/> applied: a variation of a valid request, in one expression.</summary>
    public static T With<T>(this T message, Action<T> change)
        where T : Google.Protobuf.IMessage
    {
        change(message);
        return message;
    }
}

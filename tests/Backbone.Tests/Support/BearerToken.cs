using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Backbone.Tests.Support;

public static class BearerToken
{
    /// <summary>A call invoker that sends <paramref name="accessToken"/> with every call on the channel.</summary>
    public static CallInvoker WithToken(this ChannelBase channel, string accessToken) =>
        channel.Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {accessToken}");
            return metadata;
        });
}

using System.Net;
using System.Net.Sockets;

namespace Backbone.Tests.Support;

public static class FreePorts
{
    /// <summary>Ports the OS just handed out and released: free now, and unlikely to be reused at once.</summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

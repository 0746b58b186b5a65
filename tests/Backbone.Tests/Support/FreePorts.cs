using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Backbone.Tests.Support;

public static class FreePorts
{
    // Below Linux's ephemeral range (32768-60999): a port the OS hands out for port 0 can be taken by
    // any outgoing connection (a node dialling Redis) before the test's host binds it; these cannot.
    private const int First = 20000;
    private const int Last = 32000;

    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>Ports free now, outside the ephemeral range, each handed out once per test run.</summary>
    public static int[] Take(int count)
    {
        var ports = new List<int>(count);
        while (ports.Count < count)
        {
            var port = Random.Shared.Next(First, Last);
            if (HandedOut.TryAdd(port, true) && IsFree(port))
            {
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace Osprey.Testing;

/// <summary>
/// Ports for servers a test starts (osprey, SIPp, Kamailio, dnsmasq) on 127.0.0.1. A port is probed
/// free for both UDP and TCP and is never handed out twice in one test process: the kernel may
/// return a just-closed ephemeral port again, and two peers of one test on the same port (with
/// SO_REUSEADDR/SO_REUSEPORT) share its datagrams at random.
/// </summary>
internal static class TestPorts
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        for (int i = 0; i < 200; i++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            lock (Given)
            {
                if (Given.Contains(port)) continue;
            }
            try
            {
                using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException)
            {
                continue;
            }
            lock (Given)
            {
                if (Given.Add(port)) return port;
            }
        }
        throw new InvalidOperationException("no free port on 127.0.0.1");
    }
}

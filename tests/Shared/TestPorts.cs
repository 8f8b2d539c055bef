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
            if (TryReserve(((IPEndPoint)udp.LocalEndPoint!).Port, probeUdp: false) is int port) return port;
        }
        throw new InvalidOperationException("no free port on 127.0.0.1");
    }

    /// <summary>A free port below 1024 (only root can bind it), for tests of what a server does after
    /// binding a privileged port.</summary>
    public static int NextPrivileged()
    {
        int offset = Random.Shared.Next(424);
        for (int k = 0; k < 424; k++)
        {
            if (TryReserve(600 + (offset + k) % 424, probeUdp: true) is int port) return port;
        }
        throw new InvalidOperationException("no free port below 1024 on 127.0.0.1");
    }

    /// <summary>The port, when it was not handed out before and binds for TCP (and UDP when asked).</summary>
    private static int? TryReserve(int port, bool probeUdp)
    {
        lock (Given)
        {
            if (Given.Contains(port)) return null;
        }
        try
        {
            if (probeUdp)
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException)
        {
            return null;
        }
        lock (Given)
        {
            return Given.Add(port) ? port : null;
        }
    }
}

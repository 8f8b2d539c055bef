using System.Net;
using System.Net.Sockets;

namespace Osprey.Testing;

/// <summary>
/// Ports for servers a test starts (osprey, SIPp, Kamailio, dnsmasq) on 127.0.0.1. Ports come from
/// below the kernel's ephemeral range, so no client socket of any process (SIPp, a TCP connect, a test
/// assembly running alongside) can take one between the probe and the server's bind. Test assemblies
/// run in parallel: each process claims its own slice of that range with an exclusive lock file (held
/// until the process ends), so two processes never hand out the same port. Within a process a port is
/// never handed out twice: two peers of one test on the same port (with SO_REUSEADDR/SO_REUSEPORT)
/// would share its datagrams at random.
/// </summary>
internal static class TestPorts
{
    private const int SliceSize = 1000;
    private static readonly object Gate = new();
    private static readonly HashSet<int> Given = [];
    private static readonly List<FileStream> SliceLocks = [];
    private static int _next;
    private static int _sliceEnd;

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                if (_next >= _sliceEnd) ClaimSlice();
                int port = _next++;
                if (TryReserve(port, probeUdp: true) is int p) return p;
            }
        }
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

    /// <summary>Locks the first free slice of the non-ephemeral range for this process.</summary>
    private static void ClaimSlice()
    {
        var (low, high) = Range();
        var dir = Path.Combine(Path.GetTempPath(), "osprey-test-ports");
        Directory.CreateDirectory(dir);
        for (int start = low; start + SliceSize <= high; start += SliceSize)
        {
            if (start < _sliceEnd) continue; // slices this process already used
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) that the kernel drops when
                // the process ends, however it ends.
                var lockFile = new FileStream(Path.Combine(dir, $"slice-{start}.lock"), FileMode.OpenOrCreate,
                    FileAccess.ReadWrite, FileShare.None);
                SliceLocks.Add(lockFile);
                _next = start;
                _sliceEnd = start + SliceSize;
                return;
            }
            catch (IOException)
            {
                // another test process holds this slice
            }
        }
        throw new InvalidOperationException($"no free slice of test ports in {low}-{high}");
    }

    /// <summary>Ports no client socket gets: below the ephemeral range when it leaves room, else above it.</summary>
    private static (int Low, int High) Range()
    {
        int ephemeralLow = 32768, ephemeralHigh = 60999;
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            ephemeralLow = int.Parse(parts[0]);
            ephemeralHigh = int.Parse(parts[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // not Linux, or unreadable: the kernel's default range
        }
        if (ephemeralLow - 10000 >= 8 * SliceSize) return (10000, ephemeralLow);
        return (ephemeralHigh + 1, 65536);
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

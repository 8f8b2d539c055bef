using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Osprey.Core.Net;

/// <summary>
/// Turns a host and port from a URI or Via into an <see cref="IPEndPoint"/>, caching the result so the
/// hot path allocates nothing for destinations it has seen. IP literals are parsed; names go to the
/// system resolver (the RFC 3263 resolver with NAPTR/SRV arrives with the DNS work).
/// </summary>
public sealed class DestinationResolver
{
    private sealed record Entry(byte[] Host, int Port, IPEndPoint? EndPoint, long ExpiresAt);

    private readonly ConcurrentDictionary<int, Entry> _cache = new();
    private readonly TimeSpan _nameTtl = TimeSpan.FromSeconds(60);

    public IPEndPoint? Resolve(ReadOnlySpan<byte> host, int port)
    {
        var hc = new HashCode();
        hc.AddBytes(host);
        hc.Add(port);
        int key = hc.ToHashCode();
        if (_cache.TryGetValue(key, out var e) && e.Port == port && host.SequenceEqual(e.Host)
            && (e.ExpiresAt == 0 || Environment.TickCount64 < e.ExpiresAt))
        {
            return e.EndPoint;
        }
        var ep = ResolveSlow(host, port, out bool literal);
        if (_cache.Count > 10000) _cache.Clear();
        _cache[key] = new Entry(host.ToArray(), port, ep, literal ? 0 : Environment.TickCount64 + (long)_nameTtl.TotalMilliseconds);
        return ep;
    }

    private static IPEndPoint? ResolveSlow(ReadOnlySpan<byte> host, int port, out bool literal)
    {
        var h = host;
        if (h.Length > 2 && h[0] == (byte)'[' && h[^1] == (byte)']') h = h[1..^1];
        Span<char> chars = stackalloc char[Math.Min(h.Length, 256)];
        int n = Encoding.ASCII.GetChars(h[..chars.Length], chars);
        if (IPAddress.TryParse(chars[..n], out var ip))
        {
            literal = true;
            return new IPEndPoint(ip, port);
        }
        literal = false;
        try
        {
            var addrs = System.Net.Dns.GetHostAddresses(new string(chars[..n]));
            foreach (var a in addrs)
            {
                if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return new IPEndPoint(a, port);
            }
            return addrs.Length > 0 ? new IPEndPoint(addrs[0], port) : null;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null; // a name that does not resolve is an answer (a negative one), not a bug
        }
    }
}

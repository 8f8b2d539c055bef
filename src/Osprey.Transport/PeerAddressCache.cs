using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Osprey.Transport;

/// <summary>
/// Maps a received <see cref="SocketAddress"/> to an <see cref="IPEndPoint"/> without allocating on
/// a hit. One per UDP receive loop, so no locking. Direct-mapped: most traffic comes from a few
/// peers (proxies, gateways, the SBC in front), and a collision only costs one allocation.
/// </summary>
internal sealed class PeerAddressCache
{
    private const int Slots = 256;

    private sealed class Entry(SocketAddress address, IPEndPoint endPoint)
    {
        public readonly SocketAddress Address = address;
        public readonly IPEndPoint EndPoint = endPoint;
    }

    private readonly Entry?[] _entries = new Entry?[Slots];
    private readonly IPEndPoint _template;

    public PeerAddressCache(AddressFamily family)
    {
        _template = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
    }

    public IPEndPoint Get(SocketAddress received)
    {
        int slot = received.GetHashCode() & (Slots - 1);
        var e = _entries[slot];
        if (e is not null && e.Address.Equals(received))
            return e.EndPoint;
        return Miss(received, slot);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private IPEndPoint Miss(SocketAddress received, int slot)
    {
        // The receive loop reuses 'received' for the next datagram, so keep a copy as the key.
        var key = new SocketAddress(received.Family, received.Size);
        received.Buffer.Span[..received.Size].CopyTo(key.Buffer.Span);
        var ep = (IPEndPoint)_template.Create(key);
        _entries[slot] = new Entry(key, ep);
        return ep;
    }
}

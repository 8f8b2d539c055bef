using System.Net;
using System.Runtime.CompilerServices;

namespace Osprey.Transport;

/// <summary>
/// Maps a destination <see cref="IPEndPoint"/> to its serialized <see cref="SocketAddress"/> so the
/// UDP send path can use the allocation-free SendTo overload. Shared by all threads: entries are
/// immutable and published with a single reference write, so readers need no lock.
/// </summary>
internal sealed class SendAddressCache
{
    private const int Slots = 1024;

    private sealed class Entry(IPEndPoint endPoint, SocketAddress address)
    {
        public readonly IPEndPoint EndPoint = endPoint;
        public readonly SocketAddress Address = address;
    }

    private readonly Entry?[] _entries = new Entry?[Slots];

    public SocketAddress Get(IPEndPoint destination)
    {
        int slot = destination.GetHashCode() & (Slots - 1);
        var e = Volatile.Read(ref _entries[slot]);
        if (e is not null && e.EndPoint.Port == destination.Port && e.EndPoint.Address.Equals(destination.Address))
            return e.Address;
        return Miss(destination, slot);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SocketAddress Miss(IPEndPoint destination, int slot)
    {
        // Copy the key: IPEndPoint is mutable and the caller's instance is not ours to keep.
        var key = new IPEndPoint(destination.Address, destination.Port);
        var address = key.Serialize();
        Volatile.Write(ref _entries[slot], new Entry(key, address));
        return address;
    }
}

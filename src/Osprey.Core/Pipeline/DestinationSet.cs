using Osprey.Transport;

namespace Osprey.Core.Pipeline;

/// <summary>One additional target of a request (Kamailio's branch: <c>append_branch</c>, registrar
/// <c>lookup</c>): where to send a copy of the request when forking (RFC 3261 §16.6).</summary>
public struct Destination
{
    /// <summary>The Request-URI of the branch.</summary>
    public string Uri;

    /// <summary>Destination URI (<c>$du</c> of the branch); null sends to <see cref="Uri"/> (or its Route).</summary>
    public string? DestinationUri;

    /// <summary>q-value times 1000 (0..1000); -1 when unspecified (RFC 3261 §16.6 ordering).</summary>
    public int Q;

    /// <summary>Path header value to add to the branch as Route (RFC 3327); null for none.</summary>
    public string? Path;

    /// <summary>Branch flags.</summary>
    public ulong Flags;

    /// <summary>Socket to send from; null picks by destination.</summary>
    public ListenEndpoint? Socket;

    /// <summary>+sip.instance of the contact (RFC 5626), null when none.</summary>
    public string? Instance;

    /// <summary>The location record the branch came from (usrloc's ruid, registrar <c>lookup</c>), null when none.</summary>
    public string? Ruid;
}

/// <summary>
/// The destination set of a request: the targets added besides the Request-URI (Kamailio's branches,
/// <c>$branch</c>). Branch 0 of a forwarded request is always the Request-URI itself; the entries here
/// are branches 1..n. Kept tiny: a growable array reused across messages.
/// </summary>
public sealed class DestinationSet
{
    private Destination[] _items = new Destination[4];

    public int Count { get; private set; }

    public ref Destination this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return ref _items[index];
        }
    }

    public void Add(in Destination d)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[Count++] = d;
    }

    public void Add(string uri, string? destinationUri = null, int q = -1, string? path = null, ulong flags = 0, ListenEndpoint? socket = null) =>
        Add(new Destination { Uri = uri, DestinationUri = destinationUri, Q = q, Path = path, Flags = flags, Socket = socket });

    public void RemoveAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        Array.Copy(_items, index + 1, _items, index, Count - index - 1);
        _items[--Count] = default;
    }

    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }
}

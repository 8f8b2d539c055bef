using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Osprey.Core.Stats;
using Osprey.Transport;

namespace Osprey.Core.Dns;

/// <summary>Why a destination was blocked (Kamailio's <c>BLST_ERR_*</c> / <c>BLST_503</c> reasons).</summary>
public enum BlocklistReason : byte
{
    SendFailure,
    ConnectFailure,
    Timeout,
    Reply503,
    Administrative,
}

/// <summary>A snapshot of one blocklisted destination for RPC listing (<c>dst_blocklist.view</c>).</summary>
public sealed record BlocklistEntryView(SipProtocol Protocol, IPEndPoint EndPoint, BlocklistReason Reason, int SecondsLeft);

/// <summary>
/// Destinations (protocol, address, port) that recently failed, each with an expiry
/// (<c>use_dst_blocklist</c>, <c>dst_blocklist_expire</c>, <c>blst_503*</c>). The resolver skips them when
/// choosing targets; tm adds them on send failure, timeout or 503. Lookups allocate nothing; expired
/// entries are ignored on lookup and removed by <see cref="Sweep"/> or on the next lookup that meets them.
/// </summary>
public sealed class DestinationBlocklist
{
    private readonly DnsOptions _options;
    private readonly ConcurrentDictionary<BlockKey, Entry> _entries = new();
    private readonly StatCounter _added;
    private readonly StatCounter _hits;
    private int _count;

    private readonly record struct Entry(long ExpiresAt, BlocklistReason Reason);

    // An IPv4 address is stored IPv4-mapped so both spellings of one address are one key.
    private readonly record struct BlockKey(ulong Hi, ulong Lo, ushort Port, SipProtocol Protocol);

    /// <param name="stats">Registers <c>dst_blocklist:added</c> and <c>dst_blocklist:hits</c>; a private registry when null.</param>
    public DestinationBlocklist(DnsOptions options, StatsRegistry? stats = null)
    {
        _options = options;
        stats ??= new StatsRegistry();
        _added = stats.RegisterCounter("dst_blocklist", "added");
        _hits = stats.RegisterCounter("dst_blocklist", "hits");
    }

    /// <summary>Whether the blocklist is consulted and filled (<c>use_dst_blocklist</c>).</summary>
    public bool Enabled => _options.UseDstBlocklist;

    public int Count => _entries.Count;

    /// <summary>Times a lookup found a destination blocked.</summary>
    public long Hits => _hits.Read();

    /// <summary>Destinations added so far.</summary>
    public long Added => _added.Read();

    /// <summary>Blocks a destination for <paramref name="expire"/> (default <c>dst_blocklist_expire</c>). No-op when disabled.</summary>
    public bool Add(SipProtocol protocol, IPEndPoint endPoint, BlocklistReason reason, TimeSpan? expire = null)
    {
        if (!Enabled)
        {
            return false;
        }

        var span = expire ?? _options.DstBlocklistExpire;
        if (span <= TimeSpan.Zero)
        {
            return false;
        }

        if (_entries.Count >= _options.MaxBlocklistEntries)
        {
            Sweep();
            if (_entries.Count >= _options.MaxBlocklistEntries)
            {
                return false; // full of live entries: failing open is safer than evicting fresh failures
            }
        }

        var key = KeyOf(protocol, endPoint);
        var entry = new Entry(Environment.TickCount64 + (long)span.TotalMilliseconds, reason);
        _entries.AddOrUpdate(key, entry, (_, old) => old.ExpiresAt >= entry.ExpiresAt ? old : entry);
        Volatile.Write(ref _count, _entries.Count);
        _added.Increment();
        return true;
    }

    /// <summary>
    /// Applies the <c>blst_503</c> rules to a 503 from <paramref name="endPoint"/>: blocks it for Retry-After
    /// (bounded by <c>blst_503_min/max_timeout</c>) or, without one, for <c>blst_503_def_timeout</c>
    /// (zero: not blocked). <paramref name="retryAfterSeconds"/> is negative when the reply had none.
    /// </summary>
    public bool Add503(SipProtocol protocol, IPEndPoint endPoint, int retryAfterSeconds)
    {
        if (!Enabled || !_options.Blst503)
        {
            return false;
        }

        TimeSpan span;
        if (retryAfterSeconds < 0)
        {
            span = _options.Blst503DefaultTimeout;
        }
        else
        {
            span = TimeSpan.FromSeconds(retryAfterSeconds);
            if (span < _options.Blst503MinTimeout)
            {
                span = _options.Blst503MinTimeout;
            }

            if (span > _options.Blst503MaxTimeout)
            {
                span = _options.Blst503MaxTimeout;
            }
        }

        return Add(protocol, endPoint, BlocklistReason.Reply503, span);
    }

    /// <summary>Whether the destination is blocked now. Allocates nothing; false when disabled or empty.</summary>
    public bool IsBlocked(SipProtocol protocol, IPEndPoint endPoint)
    {
        if (Volatile.Read(ref _count) == 0 || !Enabled)
        {
            return false;
        }

        var key = KeyOf(protocol, endPoint);
        if (!_entries.TryGetValue(key, out var e))
        {
            return false;
        }

        if (Environment.TickCount64 < e.ExpiresAt)
        {
            _hits.Increment();
            return true;
        }

        if (_entries.TryRemove(new KeyValuePair<BlockKey, Entry>(key, e)))
        {
            Volatile.Write(ref _count, _entries.Count);
        }

        return false;
    }

    /// <summary>Unblocks one destination (<c>dst_blocklist.delete</c>).</summary>
    public bool Remove(SipProtocol protocol, IPEndPoint endPoint)
    {
        bool removed = _entries.TryRemove(KeyOf(protocol, endPoint), out _);
        Volatile.Write(ref _count, _entries.Count);
        return removed;
    }

    /// <summary>Unblocks everything (<c>dst_blocklist.delete_all</c>).</summary>
    public void Flush()
    {
        _entries.Clear();
        Volatile.Write(ref _count, 0);
    }

    /// <summary>Live entries (<c>dst_blocklist.view</c>).</summary>
    public IReadOnlyList<BlocklistEntryView> List()
    {
        long now = Environment.TickCount64;
        return [.. _entries
            .Where(kv => kv.Value.ExpiresAt > now)
            .Select(kv => new BlocklistEntryView(kv.Key.Protocol, EndPointOf(kv.Key), kv.Value.Reason, (int)((kv.Value.ExpiresAt - now + 999) / 1000)))];
    }

    /// <summary>Drops expired entries; returns how many (call from a timer, as <c>dst_blocklist_gc_interval</c>).</summary>
    public int Sweep()
    {
        long now = Environment.TickCount64;
        int n = 0;
        foreach (var kv in _entries)
        {
            if (kv.Value.ExpiresAt <= now && _entries.TryRemove(kv))
            {
                n++;
            }
        }

        Volatile.Write(ref _count, _entries.Count);
        return n;
    }

    private static BlockKey KeyOf(SipProtocol protocol, IPEndPoint ep)
    {
        Span<byte> b = stackalloc byte[16];
        var addr = ep.Address;
        if (addr.AddressFamily == AddressFamily.InterNetwork)
        {
            b.Clear();
            b[10] = 0xff;
            b[11] = 0xff;
            addr.TryWriteBytes(b[12..], out _);
        }
        else
        {
            addr.TryWriteBytes(b, out _);
        }

        return new BlockKey(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]), (ushort)ep.Port, protocol);
    }

    private static IPEndPoint EndPointOf(BlockKey k)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(b, k.Hi);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], k.Lo);
        var v6 = new IPAddress(b);
        return new IPEndPoint(v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6, k.Port);
    }
}

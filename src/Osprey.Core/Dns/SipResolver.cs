using System.Collections.Concurrent;
using System.Net;
using System.Text;
using DnsClient;
using Osprey.Core.Stats;
using Osprey.Transport;

namespace Osprey.Core.Dns;

/// <summary>
/// Locates SIP servers the RFC 3263 way: a SIP URI's host, port, transport parameter and scheme
/// become an ordered set of (transport, address, port) targets to try in turn.
/// <list type="bullet">
/// <item>IP literal: used as is; port 5060, or 5061 for TLS (RFC 3263 §4.2).</item>
/// <item>Name with a port: A/AAAA only; transport from the parameter, else UDP (TLS for sips).</item>
/// <item>Name with a transport but no port: SRV for that transport, else A/AAAA on its default port.</item>
/// <item>Name with neither: NAPTR (when <c>dns_try_naptr</c>), filtered to supported services and ordered
/// by order/preference, each "s" record followed to its SRV; without usable NAPTR, SRV for every
/// supported transport (<c>_sips._tcp</c> only for sips); without SRV, A/AAAA on 5060/5061 (§4.1, §4.2).</item>
/// </list>
/// SRV targets are grouped by priority and drawn by weight (RFC 2782) each time a set is used.
/// <para>
/// Two ways in. <see cref="ResolveAsync"/> serves tm: it awaits the lookup and returns a
/// <see cref="SipTargetSet"/> to walk with failover. <see cref="TryResolve"/> serves the stateless
/// forwarder: it answers from a byte-keyed cache without allocating. On a first miss it waits at most
/// <see cref="DnsOptions.SyncWait"/>, then answers <see cref="DnsStatus.Pending"/> while the lookup goes on
/// and fills the cache for the next message (a UDP client's retransmission). An expired answer is served
/// once more while its refresh runs, so an expiry never stalls the receive loop; after a flush or delete
/// the next lookup is a true miss. Concurrent misses for one destination share one resolution, and
/// concurrent queries for one record share one DNS query.
/// </para>
/// </summary>
public sealed class SipResolver
{
    private readonly DnsOptions _options;
    private readonly ConcurrentDictionary<SipDestination, SipTargetSet> _sets = new();
    private readonly ConcurrentDictionary<SipDestination, Task<SipTargetSet>> _inflight = new();
    private readonly ConcurrentDictionary<int, FastEntry> _fast = new();
    private readonly StatCounter _syncWaitExpired;
    private readonly StatCounter _resolutions;

    private sealed class FastEntry(byte[] host, int port, SipProtocol? transport, bool secure, SipTargetSet set)
    {
        public readonly byte[] Host = host;
        public readonly int Port = port;
        public readonly SipProtocol? Transport = transport;
        public readonly bool Secure = secure;
        public readonly SipTargetSet Set = set;

        public bool Matches(ReadOnlySpan<byte> host, int port, SipProtocol? transport, bool secure)
            => Port == port && Transport == transport && Secure == secure && Ascii.EqualsIgnoreCase(host, Host);
    }

    /// <param name="client">The DNS client (its own cache off); see <see cref="CreateLookupClient"/>.</param>
    public SipResolver(ILookupClient client, DnsOptions options, StatsRegistry? stats = null)
    {
        _options = options;
        stats ??= new StatsRegistry();
        Cache = new DnsCache(client, options, stats);
        Blocklist = new DestinationBlocklist(options, stats);
        _syncWaitExpired = stats.RegisterCounter("dns", "sync_wait_expired");
        _resolutions = stats.RegisterCounter("dns", "sip_resolutions");
    }

    /// <summary>
    /// A DNS client for <paramref name="servers"/> (the system's when none) with its own cache off and
    /// the timeout and retries of <paramref name="options"/> (<c>dns_retr_time</c>, <c>dns_retr_no</c>).
    /// </summary>
    public static LookupClient CreateLookupClient(DnsOptions options, params IPEndPoint[] servers)
        => CreateLookupClient(options.QueryTimeout, options.QueryRetries, servers);

    /// <summary>A DNS client for <paramref name="servers"/> (the system's when none) with its own cache off.</summary>
    public static LookupClient CreateLookupClient(TimeSpan timeout, int retries, params IPEndPoint[] servers)
    {
        var opts = servers.Length == 0
            ? new LookupClientOptions()
            : new LookupClientOptions([.. servers.Select(s => new NameServer(s))]);
        opts.UseCache = false;
        opts.Timeout = timeout;
        opts.Retries = retries;
        opts.ThrowDnsErrors = false;
        opts.ContinueOnDnsError = false;
        return new LookupClient(opts);
    }

    public DnsOptions Options => _options;

    /// <summary>The record cache (<c>dns.*</c> RPC commands).</summary>
    public DnsCache Cache { get; }

    /// <summary>The destination blocklist (<c>dst_blocklist.*</c> RPC commands), consulted when choosing targets.</summary>
    public DestinationBlocklist Blocklist { get; }

    /// <summary>Whole RFC 3263 resolutions run (not served from the destination cache).</summary>
    public long Resolutions => _resolutions.Read();

    /// <summary>
    /// The targets of <paramref name="destination"/>, from cache when fresh. Never throws for DNS
    /// trouble: <see cref="SipTargetSet.Status"/> and <see cref="SipTargetSet.Error"/> say what went wrong.
    /// </summary>
    public ValueTask<SipTargetSet> ResolveAsync(SipDestination destination)
    {
        var d = Normalize(destination);
        if (_sets.TryGetValue(d, out var s) && IsFresh(s))
        {
            return new ValueTask<SipTargetSet>(s);
        }

        return new ValueTask<SipTargetSet>(ResolveOnce(d));
    }

    /// <summary>
    /// tm's entry point: resolves and returns a walk over the targets in failover order, skipping
    /// blocklisted ones, drawing SRV weights per <c>dns_srv_lb</c>, failing over per <c>use_dns_failover</c>.
    /// </summary>
    public async ValueTask<(SipTargetSet Set, SipTargetIterator Targets)> GetTargetsAsync(SipDestination destination)
    {
        var set = await ResolveAsync(destination).ConfigureAwait(false);
        return (set, set.GetTargets(Blocklist, _options.SrvLoadBalancing, _options.UseDnsFailover));
    }

    /// <summary>
    /// The stateless forwarder's entry point: the first usable target of a URI host, port (0 when absent),
    /// transport parameter (null when absent) and scheme. A cached answer allocates nothing. A miss waits at
    /// most <see cref="DnsOptions.SyncWait"/> and then returns <see cref="DnsStatus.Pending"/>. Without
    /// <paramref name="useBlocklist"/> blocklisted targets are not skipped (tm's <c>blst_methods_lookup</c>).
    /// </summary>
    public DnsStatus TryResolve(ReadOnlySpan<byte> host, int port, SipProtocol? transport, bool secure, out SipTarget target, bool useBlocklist = true)
    {
        if (host.Length > 2 && host[0] == (byte)'[' && host[^1] == (byte)']')
        {
            host = host[1..^1];
        }

        int key = FastKey(host, port, transport, secure);
        SipTargetSet? stale = null;
        if (_fast.TryGetValue(key, out var f) && f.Matches(host, port, transport, secure))
        {
            if (IsFresh(f.Set))
            {
                return Pick(f.Set, out target, useBlocklist);
            }

            if (f.Set.Generation == Cache.Generation && f.Set.Status == DnsStatus.Ok)
            {
                stale = f.Set; // expired, not flushed: serve it while the refresh runs
            }
        }

        return ResolveSlow(host, port, transport, secure, stale, out target, useBlocklist);
    }

    /// <summary>
    /// tm's synchronous entry point under <c>use_dns_failover</c>: <see cref="TryResolve"/>, and when the
    /// destination has more than one target, a walk over them (<paramref name="targets"/>) that has just
    /// yielded <paramref name="target"/>, for the branch to fail over to the next one on 503 or timeout.
    /// </summary>
    public DnsStatus TryResolveForFailover(ReadOnlySpan<byte> host, int port, SipProtocol? transport, bool secure, out SipTarget target, out SipTargetIterator? targets,
        bool useBlocklist = true)
    {
        targets = null;
        var status = TryResolve(host, port, transport, secure, out target, useBlocklist);
        if (status != DnsStatus.Ok)
        {
            return status;
        }

        if (host.Length > 2 && host[0] == (byte)'[' && host[^1] == (byte)']')
        {
            host = host[1..^1];
        }

        if (_fast.TryGetValue(FastKey(host, port, transport, secure), out var f) && f.Matches(host, port, transport, secure) && f.Set.HasSeveralTargets)
        {
            var walk = f.Set.GetTargets(useBlocklist ? Blocklist : null, _options.SrvLoadBalancing, failover: true);
            if (walk.TryNext(out var first))
            {
                target = first;
                targets = walk;
            }
        }

        return status;
    }

    /// <summary>
    /// The old forwarder signature: the first target's address for a host and port (A/AAAA only when
    /// <paramref name="port"/> is given; the full RFC 3263 walk over UDP when it is 0), or null.
    /// </summary>
    public IPEndPoint? Resolve(ReadOnlySpan<byte> host, int port)
        => TryResolve(host, port, null, false, out var t) == DnsStatus.Ok ? t.EndPoint : null;

    /// <summary>Forgets every cached record and resolution (<c>dns.delete_all</c>).</summary>
    public void Flush()
    {
        Cache.Flush();
        _sets.Clear();
        _fast.Clear();
    }

    /// <summary>
    /// Drops expired records, resolutions and blocklist entries; returns how many. Call from a timer
    /// (Kamailio's <c>dns_cache_gc_interval</c> / <c>dst_blocklist_gc_interval</c>); lookups never need it.
    /// </summary>
    public int Sweep()
    {
        long now = Environment.TickCount64;
        int n = Cache.Sweep() + Blocklist.Sweep();
        foreach (var kv in _sets)
        {
            if (kv.Value.ExpiresAt <= now && _sets.TryRemove(kv))
            {
                n++;
            }
        }

        foreach (var kv in _fast)
        {
            if (kv.Value.Set.ExpiresAt <= now)
            {
                _fast.TryRemove(kv);
            }
        }

        return n;
    }

    private DnsStatus ResolveSlow(ReadOnlySpan<byte> host, int port, SipProtocol? transport, bool secure, SipTargetSet? stale, out SipTarget target, bool useBlocklist)
    {
        var vt = ResolveAsync(new SipDestination(Encoding.ASCII.GetString(host), port, transport, secure));
        if (vt.IsCompleted)
        {
            // Fresh in the destination cache but not in the byte-keyed index (evicted, or a hash
            // collision): index it again so the next message takes the allocation-free path.
            var done = vt.Result;
            RememberFast(done);
            return Pick(done, out target, useBlocklist);
        }

        if (stale is not null)
        {
            return Pick(stale, out target, useBlocklist);
        }

        var task = vt.AsTask();
        if (task.Wait(_options.SyncWait))
        {
            return Pick(task.Result, out target, useBlocklist);
        }

        _syncWaitExpired.Increment();
        target = default;
        return DnsStatus.Pending;
    }

    private DnsStatus Pick(SipTargetSet set, out SipTarget target, bool useBlocklist)
    {
        if (set.Status != DnsStatus.Ok)
        {
            target = default;
            return set.Status;
        }

        return set.TryPickFirst(useBlocklist ? Blocklist : null, _options.SrvLoadBalancing, out target) ? DnsStatus.Ok : DnsStatus.NoUsableTarget;
    }

    private bool IsFresh(SipTargetSet s) => Environment.TickCount64 < s.ExpiresAt && s.Generation == Cache.Generation;

    private Task<SipTargetSet> ResolveOnce(SipDestination d)
    {
        while (true)
        {
            if (_inflight.TryGetValue(d, out var running))
            {
                return running;
            }

            var tcs = new TaskCompletionSource<SipTargetSet>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(d, tcs.Task))
            {
                _ = RunAsync(d, tcs);
                return tcs.Task;
            }
        }
    }

    private async Task RunAsync(SipDestination d, TaskCompletionSource<SipTargetSet> tcs)
    {
        int generation = Cache.Generation;
        SipTargetSet set;
        try
        {
            _resolutions.Increment();
            set = await BuildAsync(d, generation).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // BuildAsync reports DNS trouble as values; this is the safety net for our own bugs.
            set = new SipTargetSet(d, DnsStatus.ServerFailure, e.Message, [], Environment.TickCount64 + (long)_options.FailureTtl.TotalMilliseconds, generation);
        }

        if (_sets.Count >= _options.MaxEntries)
        {
            _sets.Clear();
        }

        if (_fast.Count >= _options.MaxEntries)
        {
            _fast.Clear();
        }

        _sets[d] = set;
        RememberFast(set);
        _inflight.TryRemove(d, out _);
        tcs.SetResult(set);
    }

    private void RememberFast(SipTargetSet set)
    {
        var d = set.Destination;
        var hostBytes = Encoding.ASCII.GetBytes(d.Host);
        int key = FastKey(hostBytes, d.Port, d.Transport, d.Secure);
        if (!_fast.TryGetValue(key, out var f) || f.Set != set)
        {
            _fast[key] = new FastEntry(hostBytes, d.Port, d.Transport, d.Secure, set);
        }
    }

    private static SipDestination Normalize(SipDestination d)
    {
        var h = d.Host;
        if (h.Length > 2 && h[0] == '[' && h[^1] == ']')
        {
            h = h[1..^1];
        }

        return d with { Host = DnsCache.Normalize(h) };
    }

    private static int FastKey(ReadOnlySpan<byte> host, int port, SipProtocol? transport, bool secure)
    {
        uint h = 2166136261;
        foreach (byte b in host)
        {
            h = (h ^ (uint)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b)) * 16777619;
        }

        return HashCode.Combine(h, port, transport, secure);
    }

    /// <summary>The transport a URI asks for (RFC 3263 §4.1): its parameter, TLS for sips, else UDP.</summary>
    private static SipProtocol TransportOf(SipDestination d)
    {
        if (!d.Secure)
        {
            return d.Transport ?? SipProtocol.Udp;
        }

        return d.Transport switch
        {
            SipProtocol.Ws or SipProtocol.Wss => SipProtocol.Wss,
            SipProtocol.Sctp => SipProtocol.Sctp,
            _ => SipProtocol.Tls,
        };
    }

    /// <summary>An IPv6 literal or a dotted-quad IPv4 one; not the legacy short forms ("10.1" is a name to us).</summary>
    private static bool TryParseLiteral(string host, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? ip)
    {
        ip = null;
        bool v6 = host.Contains(':', StringComparison.Ordinal);
        if (!v6 && host.Count(c => c == '.') != 3)
        {
            return false;
        }

        return IPAddress.TryParse(host, out ip);
    }

    private static int DefaultPort(SipProtocol p) => p is SipProtocol.Tls or SipProtocol.Wss ? 5061 : 5060;

    private static string? SrvPrefix(SipProtocol p) => p switch
    {
        SipProtocol.Udp => "_sip._udp.",
        SipProtocol.Tcp => "_sip._tcp.",
        SipProtocol.Tls => "_sips._tcp.",
        SipProtocol.Sctp => "_sip._sctp.",
        _ => null, // no SRV convention for WebSocket
    };

    /// <summary>RFC 3263 §4.1 / RFC 7118 service fields; null for services that are not SIP.</summary>
    internal static SipProtocol? ServiceProtocol(string service) => service.ToUpperInvariant() switch
    {
        "SIP+D2U" => SipProtocol.Udp,
        "SIP+D2T" => SipProtocol.Tcp,
        "SIPS+D2T" => SipProtocol.Tls,
        "SIP+D2S" => SipProtocol.Sctp,
        "SIP+D2W" => SipProtocol.Ws,
        "SIPS+D2W" => SipProtocol.Wss,
        _ => null,
    };

    private sealed class BuildState(int generation)
    {
        private readonly Lock _gate = new();

        public int Generation { get; } = generation;

        public long ExpiresAt { get; private set; } = long.MaxValue;

        public DnsStatus? Failure { get; private set; }

        public string? Error { get; private set; }

        public void Track(DnsCacheEntry e)
        {
            lock (_gate)
            {
                ExpiresAt = Math.Min(ExpiresAt, e.ExpiresAt);
                if (e.Status is not (DnsStatus.Ok or DnsStatus.NotFound) && Failure is null)
                {
                    Failure = e.Status;
                    Error = e.Error;
                }
            }
        }
    }

    private async Task<SipTargetSet> BuildAsync(SipDestination d, int generation)
    {
        var state = new BuildState(generation);
        if (TryParseLiteral(d.Host, out var ip))
        {
            var proto = TransportOf(d);
            var t = new SipTarget(proto, new IPEndPoint(ip, d.Port != 0 ? d.Port : DefaultPort(proto)), null);
            return new SipTargetSet(d, DnsStatus.Ok, null, [new TargetGroup([new TargetChoice(0, [t])])], long.MaxValue, generation);
        }

        var groups = new List<TargetGroup>();
        if (d.Port != 0)
        {
            // §4.2: an explicit port means no SRV; A/AAAA only.
            await AddHostAsync(d.Host, d.Port, TransportOf(d), groups, state).ConfigureAwait(false);
        }
        else if (d.Transport is not null)
        {
            // §4.1: transport given, no port: SRV for that transport, else A/AAAA on its default port.
            var proto = TransportOf(d);
            if (SrvPrefix(proto) is { } prefix)
            {
                groups.AddRange(await SrvGroupsAsync(prefix + d.Host, proto, state).ConfigureAwait(false));
            }

            if (groups.Count == 0)
            {
                await AddHostAsync(d.Host, DefaultPort(proto), proto, groups, state).ConfigureAwait(false);
            }
        }
        else
        {
            if (_options.TryNaptr)
            {
                groups.AddRange(await NaptrGroupsAsync(d, state).ConfigureAwait(false));
            }

            if (groups.Count == 0)
            {
                // §4.1: no usable NAPTR: SRV for each transport we support, in our preference order.
                SipProtocol[] order = d.Secure ? [SipProtocol.Tls] : [SipProtocol.Udp, SipProtocol.Tcp, SipProtocol.Tls];
                var lookups = order.Where(p => _options.SupportedProtocols.Contains(p))
                    .Select(p => SrvGroupsAsync(SrvPrefix(p) + d.Host, p, state)).ToArray();
                foreach (var g in await Task.WhenAll(lookups).ConfigureAwait(false))
                {
                    groups.AddRange(g);
                }
            }

            if (groups.Count == 0)
            {
                // §4.2: no SRV: A/AAAA on the default port of UDP (TLS for sips).
                var proto = TransportOf(d);
                await AddHostAsync(d.Host, DefaultPort(proto), proto, groups, state).ConfigureAwait(false);
            }
        }

        long expires = state.ExpiresAt;
        if (groups.Count > 0)
        {
            return new SipTargetSet(d, DnsStatus.Ok, null, [.. groups], expires, generation);
        }

        var status = state.Failure ?? DnsStatus.NotFound;
        var error = state.Failure is null ? $"{d.Host}: no NAPTR, SRV or A/AAAA record gives a target" : state.Error;
        if (expires == long.MaxValue)
        {
            expires = Environment.TickCount64 + (long)_options.NegativeTtl.TotalMilliseconds;
        }

        return new SipTargetSet(d, status, error, [], expires, generation);
    }

    private async Task<List<TargetGroup>> NaptrGroupsAsync(SipDestination d, BuildState state)
    {
        var e = await Cache.LookupAsync(d.Host, DnsRecordType.Naptr).ConfigureAwait(false);
        state.Track(e);
        if (e.Status != DnsStatus.Ok)
        {
            return [];
        }

        // §4.1: keep "s" records for SIP services we support (only SIPS ones for a sips URI),
        // in order, then preference.
        // With Kamailio's dns_*_pref set, our transport preference comes first (negative: never).
        var prefs = _options.TransportPreference;
        var usable = e.Naptr
            .Select(n => (n, proto: ServiceProtocol(n.Services)))
            .Where(x => x.proto is { } p && _options.SupportedProtocols.Contains(p)
                && (!d.Secure || p is SipProtocol.Tls or SipProtocol.Wss)
                && (prefs is null || prefs.GetValueOrDefault(p) >= 0)
                && x.n.Flags.Equals("s", StringComparison.OrdinalIgnoreCase)
                && x.n.Replacement.Length > 0)
            .OrderByDescending(x => prefs?.GetValueOrDefault(x.proto!.Value) ?? 0)
            .ThenBy(x => x.n.Order).ThenBy(x => x.n.Preference)
            .ToArray();
        var lookups = usable.Select(x => SrvGroupsAsync(x.n.Replacement, x.proto!.Value, state)).ToArray();
        var result = new List<TargetGroup>();
        foreach (var g in await Task.WhenAll(lookups).ConfigureAwait(false))
        {
            result.AddRange(g);
        }

        return result;
    }

    private async Task<List<TargetGroup>> SrvGroupsAsync(string name, SipProtocol proto, BuildState state)
    {
        var e = await Cache.LookupAsync(name, DnsRecordType.Srv).ConfigureAwait(false);
        state.Track(e);
        if (e.Status != DnsStatus.Ok)
        {
            return [];
        }

        var records = e.Srv.Where(s => s.Target.Length > 0).ToArray();
        var names = records.Select(s => s.Target).Distinct(StringComparer.Ordinal).ToArray();
        var addressLookups = names.Select(n => AddressesAsync(n, state)).ToArray();
        var addresses = await Task.WhenAll(addressLookups).ConfigureAwait(false);
        var byName = new Dictionary<string, IPAddress[]>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            byName[names[i]] = addresses[i];
        }

        var groups = new List<TargetGroup>();
        foreach (var prio in records.GroupBy(s => s.Priority).OrderBy(g => g.Key))
        {
            var choices = prio
                .Select(s => new TargetChoice(s.Weight, [.. byName[s.Target].Select(a => new SipTarget(proto, new IPEndPoint(a, s.Port), s.Target))]))
                .Where(c => c.Addresses.Length > 0)
                .ToArray();
            if (choices.Length > 0)
            {
                groups.Add(new TargetGroup(choices));
            }
        }

        return groups;
    }

    private async Task AddHostAsync(string host, int port, SipProtocol proto, List<TargetGroup> groups, BuildState state)
    {
        var addrs = await AddressesAsync(host, state).ConfigureAwait(false);
        if (addrs.Length > 0)
        {
            groups.Add(new TargetGroup([new TargetChoice(0, [.. addrs.Select(a => new SipTarget(proto, new IPEndPoint(a, port), host))])]));
        }
    }

    private async Task<IPAddress[]> AddressesAsync(string host, BuildState state)
    {
        if (TryParseLiteral(host, out var literal))
        {
            return [literal];
        }

        var v4Task = _options.Ipv6Only ? null : Cache.LookupAsync(host, DnsRecordType.A).AsTask();
        var v6Task = _options.TryIpv6 || _options.Ipv6Only ? Cache.LookupAsync(host, DnsRecordType.Aaaa).AsTask() : null;
        IPAddress[] four = [];
        if (v4Task is not null)
        {
            var v4 = await v4Task.ConfigureAwait(false);
            state.Track(v4);
            four = v4.Addresses;
        }

        IPAddress[] six = [];
        if (v6Task is not null)
        {
            var v6 = await v6Task.ConfigureAwait(false);
            state.Track(v6);
            six = v6.Addresses;
        }

        return _options.PreferIpv6 ? [.. six, .. four] : [.. four, .. six];
    }
}

using System.Collections.Concurrent;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Osprey.Core.Stats;

namespace Osprey.Core.Dns;

/// <summary>
/// A record cache in front of a DNS client. Answers are kept for their TTL, bounded by
/// <see cref="DnsOptions.MinTtl"/>/<see cref="DnsOptions.MaxTtl"/>; "no such name/record" answers for
/// <see cref="DnsOptions.NegativeTtl"/> and failures for <see cref="DnsOptions.FailureTtl"/>.
/// A fresh hit allocates nothing. Concurrent misses for one name and type share one query.
/// </summary>
public sealed class DnsCache
{
    private readonly ILookupClient _client;
    private readonly DnsOptions _options;
    private readonly ConcurrentDictionary<Key, DnsCacheEntry> _entries = new();
    private readonly ConcurrentDictionary<Key, Task<DnsCacheEntry>> _inflight = new();
    private readonly StatCounter _queries;
    private readonly StatCounter _failed;
    private readonly StatCounter _slow;
    private int _generation;

    private readonly record struct Key(string Name, DnsRecordType Type);

    /// <param name="client">The DNS client; its own cache should be off (this is the cache).</param>
    /// <param name="options">TTL bounds and size.</param>
    /// <param name="stats">Registers <c>dns:queries</c>, <c>dns:failed_dns_request</c> and <c>dns:slow_dns_request</c>;
    /// a private registry when null.</param>
    public DnsCache(ILookupClient client, DnsOptions options, StatsRegistry? stats = null)
    {
        _client = client;
        _options = options;
        stats ??= new StatsRegistry();
        _queries = stats.RegisterCounter("dns", "queries");
        _failed = stats.RegisterCounter("dns", "failed_dns_request");
        _slow = stats.RegisterCounter("dns", "slow_dns_request");
    }

    /// <summary>Queries sent to the server so far (misses that were not coalesced with one in flight).</summary>
    public long QueriesSent => _queries.Read();

    /// <summary>Bumped by every flush or delete, so caches built on these records know to rebuild.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    public int Count => _entries.Count;

    /// <summary>
    /// The answer for <paramref name="name"/> and <paramref name="type"/>: from the cache when fresh,
    /// otherwise from the server (one query however many callers ask at once). Never throws for
    /// network or server errors; the entry's <see cref="DnsCacheEntry.Status"/> says what happened.
    /// </summary>
    public ValueTask<DnsCacheEntry> LookupAsync(string name, DnsRecordType type)
    {
        var key = new Key(Normalize(name), type);
        if (_entries.TryGetValue(key, out var e) && e.IsFresh(Environment.TickCount64))
        {
            return new ValueTask<DnsCacheEntry>(e);
        }

        return new ValueTask<DnsCacheEntry>(QueryOnce(key));
    }

    /// <summary>The cached entry if fresh, without querying.</summary>
    public bool TryGetCached(string name, DnsRecordType type, out DnsCacheEntry? entry)
    {
        if (_entries.TryGetValue(new Key(Normalize(name), type), out entry) && entry.IsFresh(Environment.TickCount64))
        {
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>Every entry, expired ones included until swept (<c>dns.view</c>).</summary>
    public IReadOnlyList<DnsCacheEntryView> List()
    {
        long now = Environment.TickCount64;
        return [.. _entries.Values
            .OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Type)
            .Select(e => new DnsCacheEntryView(e.Name, e.Type, e.Status, (int)Math.Max(0, (e.ExpiresAt - now + 999) / 1000), e.DescribeRecords(), e.Error))];
    }

    /// <summary>Removes one name's entry of one type (<c>dns.delete_a</c>, <c>dns.delete_srv</c>, ...).</summary>
    public bool Delete(string name, DnsRecordType type)
    {
        bool removed = _entries.TryRemove(new Key(Normalize(name), type), out _);
        Interlocked.Increment(ref _generation);
        return removed;
    }

    /// <summary>Removes every entry for a name, of any type.</summary>
    public int Delete(string name)
    {
        int n = 0;
        foreach (var t in (ReadOnlySpan<DnsRecordType>)[DnsRecordType.A, DnsRecordType.Aaaa, DnsRecordType.Srv, DnsRecordType.Naptr])
        {
            if (_entries.TryRemove(new Key(Normalize(name), t), out _))
            {
                n++;
            }
        }

        Interlocked.Increment(ref _generation);
        return n;
    }

    /// <summary>Empties the cache (<c>dns.delete_all</c>).</summary>
    public void Flush()
    {
        _entries.Clear();
        Interlocked.Increment(ref _generation);
    }

    /// <summary>Drops expired entries; returns how many (call from a timer, as <c>dns_cache_gc_interval</c>).</summary>
    public int Sweep()
    {
        long now = Environment.TickCount64;
        int n = 0;
        foreach (var kv in _entries)
        {
            if (!kv.Value.IsFresh(now) && _entries.TryRemove(kv))
            {
                n++;
            }
        }

        return n;
    }

    internal static string Normalize(string name)
    {
        var s = name.EndsWith('.') ? name[..^1] : name;
        foreach (char c in s)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return s.ToLowerInvariant();
            }
        }

        return s;
    }

    private Task<DnsCacheEntry> QueryOnce(Key key)
    {
        while (true)
        {
            if (_inflight.TryGetValue(key, out var running))
            {
                return running;
            }

            var tcs = new TaskCompletionSource<DnsCacheEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(key, tcs.Task))
            {
                _ = RunQueryAsync(key, tcs);
                return tcs.Task;
            }
        }
    }

    private async Task RunQueryAsync(Key key, TaskCompletionSource<DnsCacheEntry> tcs)
    {
        DnsCacheEntry entry;
        try
        {
            entry = await QueryServerAsync(key).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // QueryServerAsync turns every expected failure into a value; this is the safety net.
            entry = Failed(key, DnsStatus.ServerFailure, e.Message);
        }

        if (_entries.Count >= _options.MaxEntries)
        {
            Trim();
        }

        _entries[key] = entry;
        _inflight.TryRemove(key, out _);
        tcs.SetResult(entry);
    }

    private async Task<DnsCacheEntry> QueryServerAsync(Key key)
    {
        if (!IsValidName(key.Name))
        {
            return Failed(key, DnsStatus.InvalidName, $"'{key.Name}' is not a valid DNS name");
        }

        _queries.Increment();
        IDnsQueryResponse response;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            response = await _client.QueryAsync(key.Name, (QueryType)key.Type, QueryClass.IN).ConfigureAwait(false);
        }
        catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
        {
            return Failed(key, DnsStatus.Timeout, $"no answer from the DNS server for {key.Name} {key.Type}");
        }
        catch (DnsResponseException e)
        {
            return Failed(key, DnsStatus.ServerFailure, $"{key.Name} {key.Type}: {e.DnsError}");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            return Failed(key, DnsStatus.ServerFailure, $"{key.Name} {key.Type}: {e.Message}");
        }
        finally
        {
            // dns_slow_query_ms: answered or not, the query took this long (retries included)
            var slow = _options.SlowQuery;
            if (slow > TimeSpan.Zero && System.Diagnostics.Stopwatch.GetElapsedTime(started) > slow) _slow.Increment();
        }

        if (response.HasError)
        {
            var code = (DnsResponseCode)response.Header.ResponseCode;
            return code == DnsResponseCode.NotExistentDomain
                ? Negative(key)
                : Failed(key, DnsStatus.ServerFailure, $"{key.Name} {key.Type}: {response.ErrorMessage}");
        }

        long minTtl = long.MaxValue;
        DnsCacheEntry? built = null;
        long now = Environment.TickCount64;
        switch (key.Type)
        {
            case DnsRecordType.A:
            case DnsRecordType.Aaaa:
            {
                var list = new List<IPAddress>();
                foreach (var r in response.Answers)
                {
                    if (r is ARecord a && key.Type == DnsRecordType.A) { list.Add(a.Address); minTtl = Math.Min(minTtl, r.TimeToLive); }
                    else if (r is AaaaRecord q && key.Type == DnsRecordType.Aaaa) { list.Add(q.Address); minTtl = Math.Min(minTtl, r.TimeToLive); }
                }

                if (list.Count > 0)
                {
                    built = new DnsCacheEntry(key.Name, key.Type, DnsStatus.Ok, now + PositiveTtlMs(minTtl)) { Addresses = [.. list] };
                }

                break;
            }

            case DnsRecordType.Srv:
            {
                var list = new List<SrvData>();
                foreach (var r in response.Answers)
                {
                    if (r is SrvRecord s)
                    {
                        list.Add(new SrvData(s.Priority, s.Weight, s.Port, Normalize(s.Target.Value)));
                        minTtl = Math.Min(minTtl, r.TimeToLive);
                    }
                }

                // RFC 2782: a single target of "." means the service is decidedly not available here.
                if (list.Count == 1 && list[0].Target.Length == 0)
                {
                    return new DnsCacheEntry(key.Name, key.Type, DnsStatus.NotFound, now + PositiveTtlMs(minTtl), "service not available (SRV target \".\")");
                }

                if (list.Count > 0)
                {
                    built = new DnsCacheEntry(key.Name, key.Type, DnsStatus.Ok, now + PositiveTtlMs(minTtl)) { Srv = [.. list] };
                }

                break;
            }

            case DnsRecordType.Naptr:
            {
                var list = new List<NaptrData>();
                foreach (var r in response.Answers)
                {
                    if (r is NAPtrRecord n)
                    {
                        list.Add(new NaptrData((ushort)n.Order, (ushort)n.Preference, n.Flags ?? "", n.Services ?? "", Normalize(n.Replacement?.Value ?? "")));
                        minTtl = Math.Min(minTtl, r.TimeToLive);
                    }
                }

                if (list.Count > 0)
                {
                    built = new DnsCacheEntry(key.Name, key.Type, DnsStatus.Ok, now + PositiveTtlMs(minTtl)) { Naptr = [.. list] };
                }

                break;
            }
        }

        return built ?? Negative(key);
    }

    private long PositiveTtlMs(long ttlSeconds)
    {
        var ttl = TimeSpan.FromSeconds(ttlSeconds == long.MaxValue ? 0 : ttlSeconds);
        if (ttl < _options.MinTtl)
        {
            ttl = _options.MinTtl;
        }

        if (ttl > _options.MaxTtl)
        {
            ttl = _options.MaxTtl;
        }

        return (long)ttl.TotalMilliseconds;
    }

    private DnsCacheEntry Negative(Key key)
    {
        var ttl = _options.NegativeTtl < _options.MaxTtl ? _options.NegativeTtl : _options.MaxTtl;
        return new DnsCacheEntry(key.Name, key.Type, DnsStatus.NotFound, Environment.TickCount64 + (long)ttl.TotalMilliseconds, $"{key.Name} has no {key.Type} record");
    }

    private DnsCacheEntry Failed(Key key, DnsStatus status, string message)
    {
        _failed.Increment();
        return new DnsCacheEntry(key.Name, key.Type, status, Environment.TickCount64 + (long)_options.FailureTtl.TotalMilliseconds, message);
    }

    private void Trim()
    {
        if (Sweep() > 0 && _entries.Count < _options.MaxEntries)
        {
            return;
        }

        // Still full of live entries: drop about half; they are re-fetched on demand.
        int drop = _entries.Count / 2;
        foreach (var kv in _entries)
        {
            if (drop-- <= 0)
            {
                break;
            }

            _entries.TryRemove(kv);
        }
    }

    private static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        int label = 0;
        foreach (char c in name)
        {
            if (c == '.')
            {
                if (label == 0)
                {
                    return false;
                }

                label = 0;
                continue;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_') || ++label > 63)
            {
                return false;
            }
        }

        return label > 0;
    }
}

using System.Net;
using Osprey.Core.Dns;
using Osprey.Transport;

namespace Osprey.Core.Tests.Dns;

public class DnsCacheTests(SipDnsFixture dns) : IClassFixture<SipDnsFixture>
{
    private static SipResolver Resolver(DnsmasqServer server, Action<DnsOptions>? configure = null, int timeoutMs = 1000)
    {
        var o = new DnsOptions { TryNaptr = true, TryIpv6 = false, SyncWait = TimeSpan.FromSeconds(5) };
        configure?.Invoke(o);
        return new SipResolver(server.Client(timeoutMs), o);
    }

    private static async Task<string> FirstAddress(SipResolver r, string host)
    {
        var set = await r.ResolveAsync(new SipDestination(host, 5060));
        return set.Status == DnsStatus.Ok ? set.ToList()[0].EndPoint.Address.ToString() : set.Status.ToString();
    }

    [Fact]
    public async Task Answers_live_for_their_ttl_bounded_by_min_ttl()
    {
        var hosts = Path.Combine(Path.GetTempPath(), $"osprey-dns-{Guid.NewGuid():N}.hosts");
        File.WriteAllText(hosts, "10.0.9.1 ttl.test\n");
        try
        {
            using var server = new DnsmasqServer(3, $"--addn-hosts={hosts}");

            // The plain resolver asks through a relay that holds each query 300 ms, so a refresh is
            // surely still running when the fast path is asked during it.
            using var relay = new DelayingUdpProxy(server.EndPoint, TimeSpan.FromMilliseconds(300));
            var plain = new SipResolver(
                new DnsClient.LookupClient(new DnsClient.LookupClientOptions(new DnsClient.NameServer(IPAddress.Loopback, relay.Port)) { UseCache = false, Timeout = TimeSpan.FromSeconds(3), Retries = 0 }),
                new DnsOptions { TryIpv6 = false });
            var floored = Resolver(server, o => o.MinTtl = TimeSpan.FromSeconds(30));
            Assert.Equal("10.0.9.1", await FirstAddress(plain, "ttl.test"));
            Assert.Equal("10.0.9.1", await FirstAddress(floored, "ttl.test"));
            Assert.Equal(DnsStatus.Ok, plain.TryResolve("ttl.test"u8, 5060, null, false, out var fast));
            Assert.Equal("10.0.9.1", fast.EndPoint.Address.ToString());

            File.WriteAllText(hosts, "10.0.9.2 ttl.test\n");
            server.Reload();
            Assert.Equal("10.0.9.1", await FirstAddress(plain, "ttl.test")); // TTL 3 s not over yet
            long queries = plain.Cache.QueriesSent;

            await Task.Delay(3200);
            // The fast path serves the expired answer, without waiting, while it refreshes; then the new one.
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(DnsStatus.Ok, plain.TryResolve("ttl.test"u8, 5060, null, false, out var stale));
            Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(150), $"stale answer took {sw.Elapsed}");
            Assert.Equal("10.0.9.1", stale.EndPoint.Address.ToString());
            Assert.Equal("10.0.9.2", await FirstAddress(plain, "ttl.test"));
            Assert.Equal(queries + 1, plain.Cache.QueriesSent);
            Assert.Equal(DnsStatus.Ok, plain.TryResolve("ttl.test"u8, 5060, null, false, out var fresh));
            Assert.Equal("10.0.9.2", fresh.EndPoint.Address.ToString());

            // dns_cache_min_ttl = 30 s keeps the old answer.
            Assert.Equal("10.0.9.1", await FirstAddress(floored, "ttl.test"));
        }
        finally
        {
            File.Delete(hosts);
        }
    }

    [Fact]
    public async Task Max_ttl_caps_long_ttls()
    {
        var r = Resolver(dns.Server, o => o.MaxTtl = TimeSpan.FromSeconds(1));
        Assert.Equal("10.0.1.2", await FirstAddress(r, "h2.test"));
        var view = Assert.Single(r.Cache.List(), e => e.Name == "h2.test" && e.Type == DnsRecordType.A);
        Assert.InRange(view.SecondsLeft, 0, 1);
        Assert.Equal(["10.0.1.2"], view.Records);

        long queries = r.Cache.QueriesSent;
        await FirstAddress(r, "h2.test");
        Assert.Equal(queries, r.Cache.QueriesSent);
        await Task.Delay(1100);
        await FirstAddress(r, "h2.test");
        Assert.Equal(queries + 1, r.Cache.QueriesSent);
    }

    [Fact]
    public async Task Negative_answers_are_cached_for_the_negative_ttl()
    {
        var r = Resolver(dns.Server, o => o.NegativeTtl = TimeSpan.FromSeconds(1));
        var e1 = await r.Cache.LookupAsync("missing.test", DnsRecordType.A);
        Assert.Equal(DnsStatus.NotFound, e1.Status);
        Assert.Equal(1, r.Cache.QueriesSent);

        // NXDOMAIN and NODATA (h3.test has no AAAA) both count as negative.
        var e2 = await r.Cache.LookupAsync("MISSING.test.", DnsRecordType.A);
        Assert.Same(e1, e2);
        Assert.Equal(DnsStatus.NotFound, (await r.Cache.LookupAsync("h3.test", DnsRecordType.Aaaa)).Status);
        Assert.Equal(DnsStatus.NotFound, (await r.Cache.LookupAsync("h3.test", DnsRecordType.Aaaa)).Status);
        Assert.Equal(2, r.Cache.QueriesSent);
        Assert.Contains(r.Cache.List(), v => v.Name == "missing.test" && v.Status == DnsStatus.NotFound && v.Records.Count == 0);

        Assert.Equal(DnsStatus.NotFound, r.TryResolve("missing.test"u8, 5060, null, false, out _));
        await Task.Delay(1100);
        Assert.Equal(DnsStatus.NotFound, (await r.Cache.LookupAsync("missing.test", DnsRecordType.A)).Status);
        Assert.Equal(3, r.Cache.QueriesSent); // the fast path above was served from the negative entry
    }

    [Fact]
    public async Task Queries_slower_than_dns_slow_query_ms_are_counted_in_slow_dns_request()
    {
        using var proxy = new DelayingUdpProxy(dns.Server.EndPoint, TimeSpan.FromMilliseconds(300));
        DnsClient.LookupClient Slow() => new(new DnsClient.LookupClientOptions(new DnsClient.NameServer(IPAddress.Loopback, proxy.Port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(3),
            Retries = 0,
        });
        var stats = new Osprey.Core.Stats.StatsRegistry();
        var r = new SipResolver(Slow(), new DnsOptions { TryIpv6 = false, SlowQuery = TimeSpan.FromMilliseconds(100) }, stats);
        Assert.True(stats.TryGet("dns:slow_dns_request", out var slow));
        Assert.Equal(DnsStatus.Ok, (await r.Cache.LookupAsync("h1.test", DnsRecordType.A)).Status);
        Assert.Equal(DnsStatus.NotFound, (await r.Cache.LookupAsync("missing.test", DnsRecordType.A)).Status);
        Assert.Equal(2, slow.Read());
        await r.Cache.LookupAsync("h1.test", DnsRecordType.A); // from the cache: no query
        Assert.Equal(2, slow.Read());

        // The threshold above the delay, and 0 (Kamailio's default): nothing is slow.
        var lenientStats = new Osprey.Core.Stats.StatsRegistry();
        var lenient = new SipResolver(Slow(), new DnsOptions { TryIpv6 = false, SlowQuery = TimeSpan.FromSeconds(2) }, lenientStats);
        var offStats = new Osprey.Core.Stats.StatsRegistry();
        var off = new SipResolver(Slow(), new DnsOptions { TryIpv6 = false }, offStats);
        Assert.Equal(DnsStatus.Ok, (await lenient.Cache.LookupAsync("h1.test", DnsRecordType.A)).Status);
        Assert.Equal(DnsStatus.Ok, (await off.Cache.LookupAsync("h1.test", DnsRecordType.A)).Status);
        Assert.True(lenientStats.TryGet("dns:slow_dns_request", out var lenientSlow));
        Assert.True(offStats.TryGet("dns:slow_dns_request", out var offSlow));
        Assert.Equal((0L, 0L), (lenientSlow.Read(), offSlow.Read()));
    }

    [Fact]
    public async Task Concurrent_misses_share_one_query()
    {
        using var proxy = new DelayingUdpProxy(dns.Server.EndPoint, TimeSpan.FromMilliseconds(500));
        var client = new DnsClient.LookupClient(new DnsClient.LookupClientOptions(new DnsClient.NameServer(IPAddress.Loopback, proxy.Port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromSeconds(2),
            Retries = 0,
        });
        var r = new SipResolver(client, new DnsOptions { TryNaptr = true, TryIpv6 = true });

        var lookups = Enumerable.Range(0, 100).AsParallel().WithDegreeOfParallelism(4)
            .Select(_ => r.Cache.LookupAsync("h1.test", DnsRecordType.A).AsTask()).ToArray();
        var entries = await Task.WhenAll(lookups);
        Assert.All(entries, e => Assert.Same(entries[0], e));
        Assert.Equal(["10.0.1.1"], entries[0].DescribeRecords());
        Assert.Equal(1, r.Cache.QueriesSent);
        Assert.Equal(1, proxy.Forwarded);

        // A whole RFC 3263 resolution: NAPTR, 3 SRV, A+AAAA of h2 and h3 (h1's A is cached) = 9 queries,
        // however many callers ask at once.
        var sets = await Task.WhenAll(Enumerable.Range(0, 50).AsParallel().WithDegreeOfParallelism(4)
            .Select(_ => r.ResolveAsync(new SipDestination("naptr.test")).AsTask()).ToArray());
        Assert.All(sets, s => Assert.Same(sets[0], s));
        Assert.Equal(4, sets[0].ToList().Count);
        Assert.Equal(1, r.Resolutions);
        Assert.Equal(10, r.Cache.QueriesSent);
        Assert.Equal(10, proxy.Forwarded);
    }

    [Fact]
    public async Task Rpc_views_list_delete_and_flush()
    {
        var r = Resolver(dns.Server);
        Assert.Equal(DnsStatus.Ok, r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out _));
        var names = r.Cache.List().Select(v => $"{v.Name}/{v.Type}").ToArray();
        Assert.Contains("_sip._udp.srv.test/Srv", names);
        Assert.Contains("w1.test/A", names);
        var srv = Assert.Single(r.Cache.List(), v => v.Type == DnsRecordType.Srv);
        Assert.Equal(["10 10 5060 w3.test", "10 30 5060 w2.test", "10 60 5060 w1.test", "20 0 5062 b1.test"], srv.Records.Order(StringComparer.Ordinal));

        long queries = r.Cache.QueriesSent;
        Assert.True(r.Cache.Delete("_sip._udp.srv.test", DnsRecordType.Srv));
        Assert.False(r.Cache.Delete("_sip._udp.srv.test", DnsRecordType.Srv));
        // A delete invalidates resolutions built on the cache: the next lookup asks again (for the SRV only).
        Assert.Equal(DnsStatus.Ok, r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out _));
        Assert.Equal(queries + 1, r.Cache.QueriesSent);

        Assert.Equal(1, r.Cache.Delete("w1.test"));
        r.Flush();
        Assert.Empty(r.Cache.List());
        Assert.Equal(DnsStatus.Ok, r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out _));
        Assert.True(r.Cache.QueriesSent > queries + 1);
    }
}

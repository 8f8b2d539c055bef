using System.Net;
using Osprey.Core.Dns;
using Osprey.Transport;

namespace Osprey.Core.Tests.Dns;

public class SipResolverTests(SipDnsFixture dns) : IClassFixture<SipDnsFixture>
{
    private SipResolver Resolver(Action<DnsOptions>? configure = null)
    {
        var o = new DnsOptions { TryNaptr = true, SrvLoadBalancing = true, SyncWait = TimeSpan.FromSeconds(5) };
        configure?.Invoke(o);
        return new SipResolver(dns.Server.Client(), o);
    }

    private static string[] Show(IEnumerable<SipTarget> targets)
        => [.. targets.Select(t => $"{t.Protocol} {t.EndPoint}")];

    [Fact]
    public async Task Naptr_orders_by_order_then_preference_and_drops_unsupported_services()
    {
        var set = await Resolver().ResolveAsync(new SipDestination("naptr.test"));

        Assert.Equal(DnsStatus.Ok, set.Status);
        // SCTP (order 5) is not supported and the "u" record is not SIP; TLS (pref 10) before TCP (pref 20), UDP (order 20) last.
        Assert.Equal(["Tls 10.0.1.1:5061", "Tls [fd00::1]:5061", "Tcp 10.0.1.2:5070", "Udp 10.0.1.3:5080"], Show(set.ToList()));
        Assert.Equal("h1.test", set.ToList()[0].HostName);
    }

    [Fact]
    public async Task Naptr_keeps_only_transports_the_server_supports()
    {
        var set = await Resolver(o => o.SupportedProtocols = [SipProtocol.Udp, SipProtocol.Tcp]).ResolveAsync(new SipDestination("naptr.test"));
        Assert.Equal(["Tcp 10.0.1.2:5070", "Udp 10.0.1.3:5080"], Show(set.ToList()));

        var sctp = await Resolver(o => o.SupportedProtocols = [SipProtocol.Sctp, SipProtocol.Udp]).ResolveAsync(new SipDestination("naptr.test"));
        Assert.Equal(["Sctp 10.0.1.1:5090", "Sctp [fd00::1]:5090", "Udp 10.0.1.3:5080"], Show(sctp.ToList()));
    }

    [Fact]
    public async Task Sips_uri_uses_only_sips_services()
    {
        var set = await Resolver().ResolveAsync(new SipDestination("naptr.test", Secure: true));
        Assert.Equal(["Tls 10.0.1.1:5061", "Tls [fd00::1]:5061"], Show(set.ToList()));
    }

    [Fact]
    public async Task Without_naptr_lookup_srv_is_tried_per_transport()
    {
        // dns_try_naptr off (Kamailio's default): straight to _sip._udp, _sip._tcp, _sips._tcp.
        var set = await Resolver(o => o.TryNaptr = false).ResolveAsync(new SipDestination("naptr.test"));
        Assert.Equal(["Udp 10.0.1.3:5080", "Tcp 10.0.1.2:5070", "Tls 10.0.1.1:5061", "Tls [fd00::1]:5061"], Show(set.ToList()));
    }

    [Fact]
    public async Task No_naptr_record_falls_back_to_srv_in_priority_order()
    {
        var set = await Resolver(o => o.SrvLoadBalancing = false).ResolveAsync(new SipDestination("srv.test"));

        // Priority 10 by weight (load balancing off), then the priority 20 backup, then _sip._tcp.
        Assert.Equal(
            ["Udp 10.0.2.1:5060", "Udp 10.0.2.2:5060", "Udp 10.0.2.3:5060", "Udp 10.0.2.9:5062", "Tcp 10.0.2.1:5063"],
            Show(set.ToList(loadBalance: false)));
    }

    [Fact]
    public async Task Transport_parameter_without_port_queries_that_transports_srv()
    {
        var r = Resolver();
        var tcp = await r.ResolveAsync(new SipDestination("naptr.test", Transport: SipProtocol.Tcp));
        Assert.Equal(["Tcp 10.0.1.2:5070"], Show(tcp.ToList()));

        // No _sip._tcp for plain.test: A/AAAA on TCP's default port.
        var plain = await r.ResolveAsync(new SipDestination("plain.test", Transport: SipProtocol.Tcp));
        Assert.Equal(["Tcp 10.0.3.1:5060", "Tcp [fd00::3]:5060"], Show(plain.ToList()));

        var tls = await r.ResolveAsync(new SipDestination("plain.test", Transport: SipProtocol.Tls));
        Assert.Equal(["Tls 10.0.3.1:5061", "Tls [fd00::3]:5061"], Show(tls.ToList()));
    }

    [Fact]
    public async Task Explicit_port_means_address_records_only()
    {
        var r = Resolver();
        var h2 = await r.ResolveAsync(new SipDestination("h2.test", 6000, SipProtocol.Tcp));
        Assert.Equal(["Tcp 10.0.1.2:6000"], Show(h2.ToList()));

        // srv.test has SRV records but no address: with a port, SRV must not be used (RFC 3263 §4.2).
        var srv = await r.ResolveAsync(new SipDestination("srv.test", 5060));
        Assert.Equal(DnsStatus.NotFound, srv.Status);
        Assert.Empty(srv.ToList());
        Assert.NotNull(srv.Error);
    }

    [Fact]
    public async Task No_naptr_no_srv_uses_address_records_on_default_port()
    {
        var r = Resolver();
        var set = await r.ResolveAsync(new SipDestination("plain.test"));
        Assert.Equal(["Udp 10.0.3.1:5060", "Udp [fd00::3]:5060"], Show(set.ToList()));

        var sips = await r.ResolveAsync(new SipDestination("PLAIN.test.", Secure: true));
        Assert.Equal(["Tls 10.0.3.1:5061", "Tls [fd00::3]:5061"], Show(sips.ToList()));
    }

    [Fact]
    public async Task Cname_is_followed_to_the_address()
    {
        var set = await Resolver(o => o.TryIpv6 = false).ResolveAsync(new SipDestination("alias.test", 5070));
        Assert.Equal(["Udp 10.0.1.2:5070"], Show(set.ToList()));
    }

    [Fact]
    public async Task Ipv6_preference_and_switch()
    {
        var v6first = await Resolver(o => o.PreferIpv6 = true).ResolveAsync(new SipDestination("plain.test"));
        Assert.Equal(["Udp [fd00::3]:5060", "Udp 10.0.3.1:5060"], Show(v6first.ToList()));

        var v4only = await Resolver(o => o.TryIpv6 = false).ResolveAsync(new SipDestination("plain.test"));
        Assert.Equal(["Udp 10.0.3.1:5060"], Show(v4only.ToList()));
    }

    [Fact]
    public async Task Ip_literals_are_used_as_is()
    {
        var r = Resolver();
        Assert.Equal(["Udp 192.0.2.7:5060"], Show((await r.ResolveAsync(new SipDestination("192.0.2.7"))).ToList()));
        Assert.Equal(["Tls 192.0.2.7:5061"], Show((await r.ResolveAsync(new SipDestination("192.0.2.7", Secure: true))).ToList()));
        Assert.Equal(["Tcp [2001:db8::7]:7000"], Show((await r.ResolveAsync(new SipDestination("[2001:db8::7]", 7000, SipProtocol.Tcp))).ToList()));
        Assert.Equal(0, r.Cache.QueriesSent);

        // "10.1" is no literal here (IPAddress would read it as 10.0.0.1): it is a name, asked of DNS
        // (dnsmasq refuses names outside .test).
        Assert.Equal(DnsStatus.ServerFailure, (await r.ResolveAsync(new SipDestination("10.1", 5060))).Status);
        Assert.True(r.Cache.QueriesSent > 0);
    }

    [Fact]
    public async Task Sweep_drops_expired_entries_only()
    {
        var r = Resolver(o =>
        {
            o.NegativeTtl = TimeSpan.FromMilliseconds(200);
            o.UseDstBlocklist = true;
        });
        await r.ResolveAsync(new SipDestination("missing.test"));
        await r.ResolveAsync(new SipDestination("h2.test", 5060));
        r.Blocklist.Add(SipProtocol.Udp, IPEndPoint.Parse("192.0.2.1:5060"), BlocklistReason.SendFailure, TimeSpan.FromMilliseconds(100));
        int before = r.Cache.Count;
        await Task.Delay(300);
        Assert.True(r.Sweep() > 0);
        Assert.Equal(0, r.Blocklist.Count);
        Assert.True(r.Cache.Count < before);
        Assert.All(r.Cache.List(), v => Assert.Equal(DnsStatus.Ok, v.Status));
        Assert.Contains(r.Cache.List(), v => v.Name == "h2.test");
    }

    [Fact]
    public async Task Unknown_names_and_unavailable_services_are_values_not_exceptions()
    {
        var r = Resolver();
        var missing = await r.ResolveAsync(new SipDestination("missing.test"));
        Assert.Equal(DnsStatus.NotFound, missing.Status);
        Assert.Contains("missing.test", missing.Error);

        // SRV target "." says SIP over UDP is not offered: nothing to try, and no exception.
        var down = await r.ResolveAsync(new SipDestination("down.test", Transport: SipProtocol.Udp));
        Assert.Equal(DnsStatus.NotFound, down.Status);

        var bad = await r.ResolveAsync(new SipDestination("bad..name"));
        Assert.Equal(DnsStatus.InvalidName, bad.Status);
    }

    [Fact]
    public async Task Srv_weights_draw_targets_in_proportion()
    {
        var r = Resolver();
        var set = await r.ResolveAsync(new SipDestination("srv.test", Transport: SipProtocol.Udp));
        const int N = 4000;
        var first = new Dictionary<string, int>();
        var firstOfWalk = new Dictionary<string, int>();
        for (int i = 0; i < N; i++)
        {
            Assert.True(set.TryPickFirst(null, loadBalance: true, out var t));
            first[t.EndPoint.Address.ToString()] = first.GetValueOrDefault(t.EndPoint.Address.ToString()) + 1;
            var walk = set.ToList(loadBalance: true);
            Assert.Equal(4, walk.Count);
            Assert.Equal("10.0.2.9", walk[3].EndPoint.Address.ToString()); // priority 20 is always last
            firstOfWalk[walk[0].EndPoint.Address.ToString()] = firstOfWalk.GetValueOrDefault(walk[0].EndPoint.Address.ToString()) + 1;
        }

        // RFC 2782 draws uniformly in [0, 100], so the shares are 61/101, 30/101, 10/101; allow ±0.04
        // (over 5 standard deviations at N = 4000).
        foreach (var counts in new[] { first, firstOfWalk })
        {
            Assert.InRange(counts["10.0.2.1"] / (double)N, 0.564, 0.644);
            Assert.InRange(counts["10.0.2.2"] / (double)N, 0.257, 0.337);
            Assert.InRange(counts["10.0.2.3"] / (double)N, 0.059, 0.139);
            Assert.False(counts.ContainsKey("10.0.2.9"));
        }
    }

    [Fact]
    public async Task Failover_walks_targets_in_order_and_blocklists_the_failed_ones()
    {
        var r = Resolver(o =>
        {
            o.SrvLoadBalancing = false;
            o.UseDnsFailover = true;
            o.UseDstBlocklist = true;
            o.Blst503 = true;
        });
        var (_, it) = await r.GetTargetsAsync(new SipDestination("srv.test", Transport: SipProtocol.Udp));

        Assert.True(it.TryNext(out var t1));
        Assert.Equal("10.0.2.1:5060", t1.EndPoint.ToString());
        Assert.True(it.TryFailover(TargetFailure.Reply503, 30, out var t2));
        Assert.Equal("10.0.2.2:5060", t2.EndPoint.ToString());
        Assert.True(it.TryFailover(TargetFailure.Timeout, -1, out var t3));
        Assert.Equal("10.0.2.3:5060", t3.EndPoint.ToString());
        Assert.True(it.TryFailover(TargetFailure.SendFailure, -1, out var t4));
        Assert.Equal("10.0.2.9:5062", t4.EndPoint.ToString());
        Assert.False(it.TryFailover(TargetFailure.SendFailure, -1, out _));

        // All four are blocked now (503 with Retry-After 30, timeout, two send failures).
        Assert.Equal(4, r.Blocklist.List().Count);
        Assert.Contains(r.Blocklist.List(), e => e.EndPoint.ToString() == "10.0.2.1:5060" && e.Reason == BlocklistReason.Reply503 && e.SecondsLeft is > 25 and <= 30);
        var (_, again) = await r.GetTargetsAsync(new SipDestination("srv.test", Transport: SipProtocol.Udp));
        Assert.False(again.TryNext(out _));
        Assert.Equal(DnsStatus.NoUsableTarget, r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out _));

        r.Blocklist.Remove(SipProtocol.Udp, IPEndPoint.Parse("10.0.2.3:5060"));
        Assert.Equal(DnsStatus.Ok, r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out var back));
        Assert.Equal("10.0.2.3:5060", back.EndPoint.ToString());
    }

    [Fact]
    public async Task Without_dns_failover_a_failure_ends_the_walk()
    {
        var r = Resolver(o => o.UseDnsFailover = false);
        var (_, it) = await r.GetTargetsAsync(new SipDestination("naptr.test"));
        Assert.True(it.TryNext(out _));
        Assert.False(it.TryFailover(TargetFailure.Reply503, -1, out _));
    }

    [Fact]
    public async Task Failover_crosses_naptr_transports_and_addresses()
    {
        var r = Resolver(o => o.UseDnsFailover = true);
        var (_, it) = await r.GetTargetsAsync(new SipDestination("naptr.test"));
        var walked = new List<SipTarget>();
        Assert.True(it.TryNext(out var t));
        walked.Add(t);
        while (it.TryFailover(TargetFailure.Timeout, -1, out t))
        {
            walked.Add(t);
        }

        Assert.Equal(["Tls 10.0.1.1:5061", "Tls [fd00::1]:5061", "Tcp 10.0.1.2:5070", "Udp 10.0.1.3:5080"], Show(walked));
    }
}

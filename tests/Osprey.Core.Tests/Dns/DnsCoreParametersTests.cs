using Osprey.Core.Dns;
using Osprey.Transport;

namespace Osprey.Core.Tests.Dns;

public class DnsCoreParametersTests(SipDnsFixture dns) : IClassFixture<SipDnsFixture>
{
    [Fact]
    public void Kamailio_parameters_set_options_and_bad_values_say_why()
    {
        var o = new DnsOptions();
        foreach (var (name, value) in new[]
        {
            ("dns_try_naptr", "yes"), ("dns_srv_lb", "on"), ("use_dns_failover", "1"), ("dns_try_ipv6", "no"),
            ("dns_cache_min_ttl", "10"), ("dns_cache_max_ttl", "600"), ("dns_cache_negative_ttl", "30"),
            ("use_dst_blocklist", "yes"), ("dst_blocklist_expire", "90"), ("blst_503", "yes"),
            ("blst_503_def_timeout", "5"), ("blst_503_min_timeout", "2"), ("blst_503_max_timeout", "600"),
            ("dns_retr_time", "3"), ("dns_retr_no", "4"), ("use_dns_cache", "on"), ("dns_cache_mem", "1000"),
            ("dns_slow_query_ms", "250"),
        })
        {
            Assert.True(DnsCoreParameters.TrySet(o, name, value, out var error), error);
        }

        Assert.True(o.TryNaptr && o.SrvLoadBalancing && o.UseDnsFailover && !o.TryIpv6 && o.UseDstBlocklist && o.Blst503);
        Assert.Equal(
            (10, 600, 30, 90, 5, 2, 600, 3, 4),
            ((int)o.MinTtl.TotalSeconds, (int)o.MaxTtl.TotalSeconds, (int)o.NegativeTtl.TotalSeconds, (int)o.DstBlocklistExpire.TotalSeconds,
             (int)o.Blst503DefaultTimeout.TotalSeconds, (int)o.Blst503MinTimeout.TotalSeconds, (int)o.Blst503MaxTimeout.TotalSeconds,
             (int)o.QueryTimeout.TotalSeconds, o.QueryRetries));
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.SlowQuery);

        Assert.False(DnsCoreParameters.TrySet(o, "dns_try_naptr", "maybe", out var e1));
        Assert.Contains("dns_try_naptr", e1);
        Assert.False(DnsCoreParameters.TrySet(o, "dns_cache_max_ttl", "-5", out _));
        Assert.False(DnsCoreParameters.TrySet(o, "children", "4", out var e2));
        Assert.Contains("children", e2);
        Assert.All(DnsCoreParameters.Names, n => Assert.True(DnsCoreParameters.TrySet(new DnsOptions(), n, "1", out var e), e));
    }

    [Fact]
    public async Task Transport_preferences_reorder_naptr_like_kamailio()
    {
        var o = new DnsOptions { TryNaptr = true, TryIpv6 = false };
        Assert.True(DnsCoreParameters.TrySet(o, "dns_udp_pref", "30", out _)); // Kamailio's defaults: udp 30, tcp 20, tls 10
        var kamailioOrder = await new SipResolver(dns.Server.Client(), o).ResolveAsync(new SipDestination("naptr.test"));
        Assert.Equal([SipProtocol.Udp, SipProtocol.Tcp, SipProtocol.Tls], kamailioOrder.ToList().Select(t => t.Protocol));

        Assert.True(DnsCoreParameters.TrySet(o, "dns_tcp_pref", "-1", out _)); // never TCP
        var noTcp = await new SipResolver(dns.Server.Client(), o).ResolveAsync(new SipDestination("naptr.test"));
        Assert.Equal([SipProtocol.Udp, SipProtocol.Tls], noTcp.ToList().Select(t => t.Protocol));
    }

    [Fact]
    public async Task Cache_flags_select_address_families()
    {
        var v6only = new DnsOptions();
        Assert.True(DnsCoreParameters.TrySet(v6only, "dns_cache_flags", "2", out _));
        var set = await new SipResolver(dns.Server.Client(), v6only).ResolveAsync(new SipDestination("plain.test"));
        Assert.Equal(["[fd00::3]:5060"], set.ToList().Select(t => t.EndPoint.ToString()));

        var v4only = new DnsOptions();
        Assert.True(DnsCoreParameters.TrySet(v4only, "dns_cache_flags", "1", out _));
        set = await new SipResolver(dns.Server.Client(), v4only).ResolveAsync(new SipDestination("plain.test"));
        Assert.Equal(["10.0.3.1:5060"], set.ToList().Select(t => t.EndPoint.ToString()));
    }
}

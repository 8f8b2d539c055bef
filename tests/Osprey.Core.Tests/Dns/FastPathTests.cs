using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Osprey.Core.Dns;
using Osprey.Transport;

namespace Osprey.Core.Tests.Dns;

/// <summary>The stateless forwarder's synchronous entry point: bounded on a miss, allocation-free on a hit.</summary>
public class FastPathTests(SipDnsFixture dns) : IClassFixture<SipDnsFixture>
{
    private static LookupClient ClientFor(int port, int timeoutMs)
        => new(new LookupClientOptions(new NameServer(IPAddress.Loopback, port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            Retries = 0,
        });

    [Fact]
    public async Task A_server_that_never_answers_does_not_hold_the_caller_past_the_bound()
    {
        // A bound socket that never reads: queries vanish without an ICMP error, like a dead server.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var r = new SipResolver(ClientFor(port, 1500), new DnsOptions
        {
            TryIpv6 = false,
            SyncWait = TimeSpan.FromMilliseconds(100),
            FailureTtl = TimeSpan.FromSeconds(30),
        });

        var sw = Stopwatch.StartNew();
        Assert.Equal(DnsStatus.Pending, r.TryResolve("h1.test"u8, 5060, null, false, out _));
        var first = sw.Elapsed;
        Assert.InRange(first, TimeSpan.FromMilliseconds(90), TimeSpan.FromMilliseconds(700));

        // Still in flight: the next message waits the bound again and sends no second query.
        sw.Restart();
        Assert.Equal(DnsStatus.Pending, r.TryResolve("h1.test"u8, 5060, null, false, out _));
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(700), $"second miss took {sw.Elapsed}");
        Assert.Equal(1, r.Cache.QueriesSent);

        // Once the query times out, the failure is cached: answered at once, as a value.
        var set = await r.ResolveAsync(new SipDestination("h1.test", 5060));
        Assert.Equal(DnsStatus.Timeout, set.Status);
        Assert.Contains("h1.test", set.Error);
        sw.Restart();
        Assert.Equal(DnsStatus.Timeout, r.TryResolve("h1.test"u8, 5060, null, false, out _));
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(50), $"cached failure took {sw.Elapsed}");
        Assert.Equal(1, r.Cache.QueriesSent);
        Assert.Null(r.Resolve("h1.test"u8, 5060));
    }

    [Fact]
    public async Task A_slow_answer_fills_the_cache_for_the_next_message()
    {
        using var proxy = new DelayingUdpProxy(dns.Server.EndPoint, TimeSpan.FromMilliseconds(500));
        var r = new SipResolver(ClientFor(proxy.Port, 3000), new DnsOptions { TryIpv6 = false, SyncWait = TimeSpan.FromMilliseconds(100) });

        var sw = Stopwatch.StartNew();
        Assert.Equal(DnsStatus.Pending, r.TryResolve("h2.test"u8, 5060, null, false, out _));
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(450), $"miss took {sw.Elapsed}");

        await r.ResolveAsync(new SipDestination("h2.test", 5060)); // the same lookup, still in flight
        sw.Restart();
        Assert.Equal(DnsStatus.Ok, r.TryResolve("H2.TEST"u8, 5060, null, false, out var t));
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(50), $"hit took {sw.Elapsed}");
        Assert.Equal(new SipTarget(SipProtocol.Udp, IPEndPoint.Parse("10.0.1.2:5060"), "h2.test"), t);
        Assert.Equal(1, proxy.Forwarded);

        // An answer that comes within the bound is returned by the first call itself.
        var patient = new SipResolver(ClientFor(proxy.Port, 3000), new DnsOptions { TryIpv6 = false, SyncWait = TimeSpan.FromSeconds(2) });
        Assert.Equal(DnsStatus.Ok, patient.TryResolve("h3.test"u8, 5060, null, false, out t));
        Assert.Equal(IPEndPoint.Parse("10.0.1.3:5060"), t.EndPoint);
    }

    [Fact]
    public void Cached_lookups_allocate_nothing()
    {
        var r = new SipResolver(dns.Server.Client(), new DnsOptions { SrvLoadBalancing = true, UseDstBlocklist = true, SyncWait = TimeSpan.FromSeconds(5) });
        Assert.Equal(DnsStatus.Ok, r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out _));
        Assert.Equal(DnsStatus.Ok, r.TryResolve("192.0.2.1"u8, 5060, null, false, out _));
        Assert.Equal(DnsStatus.Ok, r.TryResolve("[2001:db8::1]"u8, 0, null, true, out var lit6));
        Assert.Equal(new SipTarget(SipProtocol.Tls, IPEndPoint.Parse("[2001:db8::1]:5061"), null), lit6);
        r.Blocklist.Add(SipProtocol.Udp, IPEndPoint.Parse("10.0.2.1:5060"), BlocklistReason.SendFailure); // exercise the blocklist check

        for (int i = 0; i < 2000; i++)
        {
            r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out _);
            r.TryResolve("192.0.2.1"u8, 5060, null, false, out _);
            r.Resolve("192.0.2.1"u8, 5060);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int ok = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (r.TryResolve("srv.test"u8, 0, SipProtocol.Udp, false, out var t) == DnsStatus.Ok && t.EndPoint.Port == 5060)
            {
                ok++;
            }

            if (r.TryResolve("192.0.2.1"u8, 5060, null, false, out _) == DnsStatus.Ok)
            {
                ok++;
            }
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(20_000, ok);
        Assert.Equal(0, allocated);
    }
}

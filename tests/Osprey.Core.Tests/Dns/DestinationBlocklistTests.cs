using System.Net;
using Osprey.Core.Dns;
using Osprey.Transport;

namespace Osprey.Core.Tests.Dns;

public class DestinationBlocklistTests(SipDnsFixture dns) : IClassFixture<SipDnsFixture>
{
    [Fact]
    public void Blocked_targets_are_skipped_until_they_expire()
    {
        var r = new SipResolver(dns.Server.Client(), new DnsOptions { UseDstBlocklist = true, SyncWait = TimeSpan.FromSeconds(5) });
        var v4 = IPEndPoint.Parse("10.0.3.1:5060");
        Assert.Equal(DnsStatus.Ok, r.TryResolve("plain.test"u8, 0, null, false, out var t));
        Assert.Equal(v4, t.EndPoint);

        Assert.True(r.Blocklist.Add(SipProtocol.Udp, v4, BlocklistReason.SendFailure, TimeSpan.FromMilliseconds(400)));
        Assert.True(r.Blocklist.IsBlocked(SipProtocol.Udp, IPEndPoint.Parse("[::ffff:10.0.3.1]:5060"))); // one address, two spellings
        Assert.False(r.Blocklist.IsBlocked(SipProtocol.Tcp, v4));
        Assert.False(r.Blocklist.IsBlocked(SipProtocol.Udp, IPEndPoint.Parse("10.0.3.1:5061")));

        Assert.Equal(DnsStatus.Ok, r.TryResolve("plain.test"u8, 0, null, false, out t));
        Assert.Equal(IPEndPoint.Parse("[fd00::3]:5060"), t.EndPoint);
        var only = Assert.Single(r.Blocklist.List());
        Assert.Equal((SipProtocol.Udp, v4, BlocklistReason.SendFailure), (only.Protocol, only.EndPoint, only.Reason));
        Assert.True(r.Blocklist.Hits > 0);

        Thread.Sleep(500);
        Assert.Equal(DnsStatus.Ok, r.TryResolve("plain.test"u8, 0, null, false, out t));
        Assert.Equal(v4, t.EndPoint);
        Assert.Empty(r.Blocklist.List());
        r.Blocklist.Sweep();
        Assert.Equal(0, r.Blocklist.Count);
    }

    [Fact]
    public void Disabled_blocklist_neither_fills_nor_blocks()
    {
        var b = new DestinationBlocklist(new DnsOptions { UseDstBlocklist = false });
        Assert.False(b.Add(SipProtocol.Udp, IPEndPoint.Parse("192.0.2.1:5060"), BlocklistReason.SendFailure));
        Assert.False(b.IsBlocked(SipProtocol.Udp, IPEndPoint.Parse("192.0.2.1:5060")));
        Assert.Equal(0, b.Added);
    }

    [Fact]
    public void Reply_503_follows_blst_503_settings()
    {
        var ep = IPEndPoint.Parse("192.0.2.5:5060");
        var off = new DestinationBlocklist(new DnsOptions { UseDstBlocklist = true, Blst503 = false });
        Assert.False(off.Add503(SipProtocol.Udp, ep, 60));

        var o = new DnsOptions
        {
            UseDstBlocklist = true,
            Blst503 = true,
            Blst503MinTimeout = TimeSpan.FromSeconds(10),
            Blst503MaxTimeout = TimeSpan.FromSeconds(100),
        };
        var b = new DestinationBlocklist(o);
        Assert.False(b.Add503(SipProtocol.Udp, ep, -1)); // no Retry-After and blst_503_def_timeout 0: not blocked
        Assert.True(b.Add503(SipProtocol.Udp, ep, 2)); // raised to the 10 s minimum
        Assert.InRange(Assert.Single(b.List()).SecondsLeft, 9, 10);
        Assert.True(b.Add503(SipProtocol.Tcp, ep, 100000)); // capped at the 100 s maximum
        Assert.InRange(b.List().Single(e => e.Protocol == SipProtocol.Tcp).SecondsLeft, 99, 100);

        o.Blst503DefaultTimeout = TimeSpan.FromSeconds(30);
        Assert.True(b.Add503(SipProtocol.Tls, ep, -1));
        Assert.InRange(b.List().Single(e => e.Protocol == SipProtocol.Tls).SecondsLeft, 29, 30);
        Assert.Equal(BlocklistReason.Reply503, b.List()[0].Reason);

        Assert.True(b.Remove(SipProtocol.Tls, ep));
        Assert.Equal(2, b.Count);
        b.Flush();
        Assert.False(b.IsBlocked(SipProtocol.Udp, ep));
    }

    [Fact]
    public void A_later_shorter_block_does_not_shorten_an_earlier_longer_one()
    {
        var b = new DestinationBlocklist(new DnsOptions { UseDstBlocklist = true });
        var ep = IPEndPoint.Parse("192.0.2.6:5060");
        b.Add(SipProtocol.Udp, ep, BlocklistReason.Administrative, TimeSpan.FromSeconds(60));
        b.Add(SipProtocol.Udp, ep, BlocklistReason.SendFailure, TimeSpan.FromMilliseconds(1));
        Thread.Sleep(20);
        Assert.True(b.IsBlocked(SipProtocol.Udp, ep));
        Assert.Equal(BlocklistReason.Administrative, Assert.Single(b.List()).Reason);
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Osprey.Core;
using Osprey.Core.Dns;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Tests.Dns;
using Osprey.Modules.Tm;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tests.Tm;

/// <summary>
/// tm's DNS failover (RFC 3263 §4.3, <c>use_dns_failover</c>) and 503 blocklisting (<c>blst_503</c>) over
/// real UDP on 127.0.0.1: a dnsmasq serves <c>_sip._udp.failover.test</c> with two SRV targets, priority
/// 10 on UAS A and 20 on UAS B; requests go to <c>sip:failover.test</c>.
/// </summary>
public sealed class DnsFailoverTests : IDisposable
{
    private readonly Uas _a, _b;
    private readonly DnsmasqServer _dns;
    private readonly Uac _uac = new();

    public DnsFailoverTests()
    {
        _a = new Uas();
        _b = new Uas();
        _dns = new DnsmasqServer(
            "--srv-host=_sip._udp.failover.test,a.failover.test," + _a.Port.ToString(CultureInfo.InvariantCulture) + ",10,10",
            "--srv-host=_sip._udp.failover.test,b.failover.test," + _b.Port.ToString(CultureInfo.InvariantCulture) + ",20,10",
            "--host-record=a.failover.test,127.0.0.1",
            "--host-record=b.failover.test,127.0.0.1");
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _dns.Dispose();
        _uac.Dispose();
    }

    [Fact]
    public async Task A_503_fails_over_to_the_next_srv_target_and_blocklists_the_first()
    {
        _a.RetryAfter = 120;
        await using var proxy = await Setup(aStatus: 503, bStatus: 200, failover: true, blocklist: true);

        Assert.Equal(200, _uac.Call(proxy.Port, "call-1"));
        AssertInvites(proxy, a: 1, b: 1, failovers: 1);
        Assert.Equal(1, _a.Acks); // the hop-by-hop ACK of A's 503

        // Retry-After 120 put A on the blocklist: the next call goes straight to B
        Assert.Equal(200, _uac.Call(proxy.Port, "call-2"));
        AssertInvites(proxy, a: 1, b: 2, failovers: 1);
        Assert.Contains(proxy.Server.Dns.Blocklist.List(), e => e.EndPoint.Port == _a.Port && e.Reason == BlocklistReason.Reply503 && e.SecondsLeft > 100);
    }

    [Fact]
    public async Task A_silent_next_hop_fails_over_when_its_timer_fires()
    {
        // A never answers
        await using var proxy = await Setup(aStatus: 0, bStatus: 486, failover: true, blocklist: false, frTimer: 1500);
        Assert.Equal(486, _uac.Call(proxy.Port, "call-3"));
        Assert.True(_a.Invites >= 1, "A never saw the INVITE");
        Assert.Equal(1, _b.Invites);
        Assert.Equal(1, proxy.Tm.Layer.Stats.DnsFailovers);
    }

    [Fact]
    public async Task Without_dns_failover_the_503_goes_upstream_as_500_and_the_second_target_is_not_tried()
    {
        await using var proxy = await Setup(aStatus: 503, bStatus: 200, failover: false, blocklist: false);
        Assert.Equal(500, _uac.Call(proxy.Port, "call-4"));
        AssertInvites(proxy, a: 1, b: 0, failovers: 0);
    }

    [Theory]
    [InlineData("t_set_disable_failover")]
    [InlineData("t_relay_to flag 0x04")]
    public async Task Failover_turned_off_for_one_transaction_sends_the_503_upstream_as_500(string how)
    {
        await using var proxy = await Setup(aStatus: 503, bStatus: 200, failover: true, blocklist: false,
            relay: how == "t_relay_to flag 0x04"
                ? (tm, ctx) => tm.TRelayTo(ctx, "0x04")
                : (tm, ctx) => tm.TSetDisableFailover(ctx, 1) > 0 ? tm.TRelay(ctx) : -1);
        Assert.Equal(500, _uac.Call(proxy.Port, "call-5"));
        AssertInvites(proxy, a: 1, b: 0, failovers: 0);
    }

    private Task<Proxy> Setup(int aStatus, int bStatus, bool failover, bool blocklist, int frTimer = 5000, Func<TmModule, MessageContext, int>? relay = null)
    {
        _a.Status = aStatus;
        _b.Status = bStatus;
        return Proxy.StartAsync(_dns, failover, blocklist, frTimer, relay);
    }

    private void AssertInvites(Proxy proxy, int a, int b, int failovers)
    {
        Assert.Equal(a, _a.Invites);
        Assert.Equal(b, _b.Invites);
        Assert.Equal(failovers, proxy.Tm.Layer.Stats.DnsFailovers);
    }

    /// <summary>Osprey with tm on UDP; every request is relayed to sip:failover.test.</summary>
    private sealed class Proxy : IAsyncDisposable
    {
        private TransportHost _host = null!;

        public SipServer Server { get; private set; } = null!;
        public TmModule Tm { get; private set; } = null!;
        public int Port { get; private set; }

        public static async Task<Proxy> StartAsync(DnsmasqServer dns, bool failover, bool blocklist, int frTimer = 5000, Func<TmModule, MessageContext, int>? relay = null)
        {
            var p = new Proxy();
            p.Start(dns, failover, blocklist, frTimer, relay);
            await Task.Yield();
            return p;
        }

        private void Start(DnsmasqServer dns, bool failover, bool blocklist, int frTimer, Func<TmModule, MessageContext, int>? relay)
        {
            Port = Osprey.Testing.TestPorts.Next();
            var options = new DnsOptions { NameServers = [dns.EndPoint], UseDnsFailover = failover, UseDstBlocklist = blocklist, TryIpv6 = false, QueryTimeout = TimeSpan.FromSeconds(2) };
            Server = new SipServer(new CoreSettings { Dns = options }, new DefaultRouter());
            Tm = new TmModule { Server = Server, FrTimer = frTimer, FrInvTimer = frTimer, RetrTimer1 = 500, WtTimer = 1000, Blst503 = blocklist ? 1 : 0 };
            Assert.Null(Tm.Init());
            Server.SetRouter(new RelayRouter(Tm, relay ?? ((tm, ctx) => tm.TRelay(ctx))));
            var transport = new TransportOptions();
            transport.Listen.Add(new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, Port)));
            _host = new TransportHost(transport);
            Assert.True(_host.TryStart(Server, out var err), err);
            Server.AttachTransport(_host, _host.Listeners);
        }

        public async ValueTask DisposeAsync()
        {
            Tm.Stop();
            await _host.DisposeAsync();
        }
    }

    private sealed class RelayRouter(TmModule tm, Func<TmModule, MessageContext, int> relay) : IMessageRouter
    {
        public void OnRequest(MessageContext ctx)
        {
            if (ctx.Message.Method == SipMethod.Ack)
            {
                tm.TCheckTrans(ctx); // the ACK of a negative reply ends here
                return;
            }
            if (tm.TCheckTrans(ctx) == 0) return;
            ctx.DestinationUri = "sip:failover.test";
            relay(tm, ctx);
        }

        public bool OnReply(MessageContext ctx) => true;
    }

    /// <summary>A UDP UAS that answers every INVITE with <see cref="Status"/> (0: never) and counts INVITEs and ACKs.</summary>
    private sealed class Uas : IDisposable
    {
        private readonly UdpClient _socket;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _invites, _acks;

        public Uas()
        {
            Port = Osprey.Testing.TestPorts.Next();
            _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, Port));
            _loop = Task.Run(Run);
        }

        public int Port { get; }
        public int Status { get; set; }
        public int RetryAfter { get; set; } = -1;
        public int Invites => Volatile.Read(ref _invites);
        public int Acks => Volatile.Read(ref _acks);

        private async Task Run()
        {
            var seen = new HashSet<string>();
            while (!_stop.IsCancellationRequested)
            {
                UdpReceiveResult r;
                try
                {
                    r = await _socket.ReceiveAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                var msg = SipMessage.Parse(r.Buffer, Framing.Datagram, out _);
                if (msg is null || !msg.IsRequest) continue;
                if (msg.Method == SipMethod.Ack)
                {
                    Interlocked.Increment(ref _acks);
                    continue;
                }
                if (msg.Method != SipMethod.Invite) continue;
                // retransmissions (same top Via branch) are answered again but counted once
                if (seen.Add(Encoding.ASCII.GetString(msg.TopVia.Branch))) Interlocked.Increment(ref _invites);
                if (Status == 0) continue;
                var reply = new StringBuilder();
                reply.Append(CultureInfo.InvariantCulture, $"SIP/2.0 {Status} {(Status == 200 ? "OK" : "Failed")}\r\n");
                for (int i = msg.IndexOf(HeaderId.Via); i >= 0; i = msg.NextIndexOf(HeaderId.Via, i)) reply.Append("Via: ").Append(Encoding.ASCII.GetString(msg.ValueAt(i))).Append("\r\n");
                reply.Append("From: ").Append(Encoding.ASCII.GetString(msg.ValueOf(HeaderId.From))).Append("\r\n");
                reply.Append("To: ").Append(Encoding.ASCII.GetString(msg.ValueOf(HeaderId.To))).Append(";tag=uas").Append(Port).Append("\r\n");
                reply.Append("Call-ID: ").Append(Encoding.ASCII.GetString(msg.ValueOf(HeaderId.CallId))).Append("\r\n");
                reply.Append("CSeq: ").Append(Encoding.ASCII.GetString(msg.ValueOf(HeaderId.CSeq))).Append("\r\n");
                if (RetryAfter >= 0) reply.Append(CultureInfo.InvariantCulture, $"Retry-After: {RetryAfter}\r\n");
                if (Status == 200) reply.Append("Contact: <sip:uas@127.0.0.1:").Append(Port).Append(">\r\n");
                reply.Append("Content-Length: 0\r\n\r\n");
                var bytes = Encoding.ASCII.GetBytes(reply.ToString());
                await _socket.SendAsync(bytes, r.RemoteEndPoint);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop.Wait(5000);
            }
            catch (AggregateException)
            {
            }
            _socket.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>A UDP UAC: sends one INVITE, resends it every 500 ms until a reply, returns the final status.</summary>
    private sealed class Uac : IDisposable
    {
        private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, Osprey.Testing.TestPorts.Next()));

        public int Call(int proxyPort, string callId)
        {
            var local = (IPEndPoint)_socket.Client.LocalEndPoint!;
            var invite = Encoding.ASCII.GetBytes(
                $"INVITE sip:bob@failover.test SIP/2.0\r\n" +
                $"Via: SIP/2.0/UDP 127.0.0.1:{local.Port};branch=z9hG4bK{callId}\r\n" +
                "Max-Forwards: 70\r\n" +
                $"From: <sip:alice@127.0.0.1>;tag=a{callId}\r\n" +
                "To: <sip:bob@failover.test>\r\n" +
                $"Call-ID: {callId}@test\r\n" +
                "CSeq: 1 INVITE\r\n" +
                $"Contact: <sip:alice@127.0.0.1:{local.Port}>\r\n" +
                "Content-Length: 0\r\n\r\n");
            var proxy = new IPEndPoint(IPAddress.Loopback, proxyPort);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            bool provisional = false;
            _socket.Send(invite, proxy);
            while (DateTime.UtcNow < deadline)
            {
                _socket.Client.ReceiveTimeout = 500;
                byte[] data;
                try
                {
                    IPEndPoint? from = null;
                    data = _socket.Receive(ref from);
                }
                catch (SocketException)
                {
                    if (!provisional) _socket.Send(invite, proxy); // RFC 3261 Timer A
                    continue;
                }
                var reply = SipMessage.Parse(data, Framing.Datagram, out _);
                if (reply is null || reply.IsRequest) continue;
                if (reply.StatusCode < 200)
                {
                    provisional = true;
                    continue;
                }
                return reply.StatusCode;
            }
            throw new TimeoutException("no final reply to " + callId);
        }

        public void Dispose() => _socket.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Transport.Tests;

public class TcpTransportTests
{
    private const string Invite =
        "INVITE sip:bob@example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1\r\n" +
        "Content-Length: 5\r\n" +
        "\r\n" +
        "hello";

    private const string Ok = "SIP/2.0 200 OK\r\nl: 0\r\n\r\n";

    private static async Task<(TransportHost Host, ListenEndpoint Ep, RecordingHandler Handler)> StartTcpAsync(Action<TransportOptions>? configure = null, bool ipv6 = false)
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Tcp, ipv6 ? Net.Loopback6 : Net.Loopback4);
        var options = Net.Options(ep);
        configure?.Invoke(options);
        var host = await Net.StartAsync(options, handler);
        return (host, ep, handler);
    }

    [Fact]
    public async Task Two_messages_in_one_segment()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, Invite + Ok);
        var a = handler.Next();
        var b = handler.Next();
        Assert.Equal(Invite, a.Text);
        Assert.Equal(Ok, b.Text);
        Assert.NotEqual(0, a.ConnectionId);
        Assert.Equal(a.ConnectionId, b.ConnectionId);
        Assert.Equal(c.LocalEndPoint, a.Source);
        Assert.Equal(SipProtocol.Tcp, a.Local.Protocol);
    }

    [Fact]
    public async Task Message_split_across_many_segments_and_body_split()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        string all = Invite + Invite;
        for (int i = 0; i < all.Length; i += 7)
        {
            await Net.SendTextAsync(c, all.Substring(i, Math.Min(7, all.Length - i)));
            await Task.Delay(1);
        }
        Assert.Equal(Invite, handler.Next().Text);
        Assert.Equal(Invite, handler.Next().Text);

        // Body arrives well after the headers.
        int split = Invite.Length - 3;
        await Net.SendTextAsync(c, Invite[..split]);
        Assert.False(handler.TryNext(200, out var early));
        Assert.Null(early);
        await Net.SendTextAsync(c, Invite[split..]);
        Assert.Equal(Invite, handler.Next().Text);
    }

    [Fact]
    public async Task Compact_header_and_missing_content_length_flag()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        string compact = "MESSAGE sip:a@b SIP/2.0\r\nL : 3\r\n\r\nabc";
        string noCl = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";
        await Net.SendTextAsync(c, compact + noCl);
        var a = handler.Next();
        Assert.Equal(compact, a.Text);
        Assert.Equal(InboundFlags.None, a.Flags);
        var b = handler.Next();
        Assert.Equal(noCl, b.Text);
        Assert.Equal(InboundFlags.MissingContentLength, b.Flags);
    }

    [Fact]
    public async Task Keepalive_ping_is_answered_with_pong()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, "\r\n\r\n");
        Assert.Equal("\r\n", await Net.ReadAsync(c, 2));
        await Net.SendTextAsync(c, Ok);
        Assert.Equal(Ok, handler.Next().Text);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("oversize")]
    [InlineData("badlength")]
    public async Task Bad_stream_closes_the_connection(string kind)
    {
        var (host, ep, handler) = await StartTcpAsync(o => { o.MaxStreamMessageSize = 2000; o.MaxStreamGarbage = 1000; });
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        string payload = kind switch
        {
            "garbage" => new string('x', 3000),
            "oversize" => "INVITE sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n",
            _ => "INVITE sip:a@b SIP/2.0\r\nContent-Length: five\r\n\r\n",
        };
        await Net.SendTextAsync(c, payload);
        Assert.True(await Net.ClosedByPeerAsync(c));
        await Net.EventuallyAsync(() => host.GetCounters().TcpFramingErrors == 1 && host.GetCounters().TcpConnectionsOpen == 0);
        Assert.False(handler.TryNext(0, out var _));
    }

    [Fact]
    public async Task Reply_by_destination_reuses_the_inbound_connection()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, Invite);
        var got = handler.Next();

        // The pipeline knows only the Via/source address: no connection id, no connecting.
        var r = host.Send(SipProtocol.Tcp, new IPEndPoint(got.Source.Address, got.Source.Port), Encoding.ASCII.GetBytes(Ok), noConnect: true);
        Assert.Equal(SendResult.Sent, r);
        Assert.Equal(Ok, await Net.ReadAsync(c, Ok.Length));

        // By connection id, with a destination that does not match.
        r = host.Send(SipProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 9), Encoding.ASCII.GetBytes(Ok), connectionId: got.ConnectionId, noConnect: true);
        Assert.Equal(SendResult.Sent, r);
        Assert.Equal(Ok, await Net.ReadAsync(c, Ok.Length));
        Assert.Equal(1, host.GetCounters().TcpConnectionsOpened);
    }

    [Fact]
    public async Task Outbound_connect_when_no_connection_and_none_when_noConnect()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        peer.Bind(Net.Loopback4);
        peer.Listen(4);
        var peerEp = (IPEndPoint)peer.LocalEndPoint!;

        Assert.Equal(SendResult.NoConnection, host.Send(SipProtocol.Tcp, peerEp, Encoding.ASCII.GetBytes(Invite), noConnect: true));

        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, peerEp, Encoding.ASCII.GetBytes(Invite)));
        // Queued while connecting; order kept.
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, peerEp, Encoding.ASCII.GetBytes(Invite)));
        using var cts = new CancellationTokenSource(5000);
        using var accepted = await peer.AcceptAsync(cts.Token);
        Assert.Equal(Invite + Invite, await Net.ReadAsync(accepted, Invite.Length * 2));

        // The peer answers on the same connection; it is delivered with the connection's id.
        await Net.SendTextAsync(accepted, Ok);
        var got = handler.Next();
        Assert.Equal(Ok, got.Text);
        Assert.Same(ep, got.Local);
        var info = Assert.Single(host.GetConnections());
        Assert.Equal(got.ConnectionId, info.Id);
        Assert.True(info.Outbound);
        Assert.Equal(peerEp, info.Remote);

        // And a later send reuses it.
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, peerEp, Encoding.ASCII.GetBytes(Ok), noConnect: true));
        Assert.Equal(Ok, await Net.ReadAsync(accepted, Ok.Length));
    }

    [Fact]
    public async Task Failed_outbound_connect_is_counted_and_forgotten()
    {
        var (host, _, _) = await StartTcpAsync();
        await using var h = host;
        IPEndPoint dead;
        using (var tmp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            tmp.Bind(Net.Loopback4);
            dead = (IPEndPoint)tmp.LocalEndPoint!;
        }
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, dead, Encoding.ASCII.GetBytes(Invite)));
        await Net.EventuallyAsync(() => host.GetCounters().TcpConnectFailures == 1 && host.GetConnections().Count == 0);
        Assert.Equal(SendResult.NoConnection, host.Send(SipProtocol.Tcp, dead, Encoding.ASCII.GetBytes(Invite), noConnect: true));
    }

    [Fact]
    public async Task Idle_connection_is_closed_after_lifetime()
    {
        var (host, ep, handler) = await StartTcpAsync(o => o.TcpConnectionLifetime = TimeSpan.FromMilliseconds(300));
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, Ok);
        handler.Next();
        Assert.Single(host.GetConnections());
        Assert.True(await Net.ClosedByPeerAsync(c, 3000));
        await Net.EventuallyAsync(() => host.GetConnections().Count == 0);
        Assert.Equal(1, host.GetCounters().TcpConnectionsClosed);

        // the sweep stops while no connection is open, and a later connection starts it again
        await Task.Delay(500);
        using var d = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(d, Ok);
        handler.Next();
        Assert.True(await Net.ClosedByPeerAsync(d, 3000));
        await Net.EventuallyAsync(() => host.GetCounters().TcpConnectionsClosed == 2);
    }

    [Fact]
    public async Task Connections_beyond_the_maximum_are_refused()
    {
        var (host, ep, handler) = await StartTcpAsync(o => o.TcpMaxConnections = 2);
        await using var _ = host;
        using var a = await Net.TcpConnectAsync(ep.Bind);
        using var b = await Net.TcpConnectAsync(ep.Bind);
        await Net.EventuallyAsync(() => host.GetConnections().Count == 2);
        using var c = await Net.TcpConnectAsync(ep.Bind);
        Assert.True(await Net.ClosedByPeerAsync(c));
        Assert.Equal(1, host.GetCounters().TcpConnectionsRefused);

        // The first two still work.
        await Net.SendTextAsync(a, Ok);
        Assert.Equal(Ok, handler.Next().Text);
    }

    [Fact]
    public async Task Close_connection_after_reply()
    {
        var (host, ep, handler) = await StartTcpAsync();
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, Invite);
        var got = handler.Next();
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, got.Source, Encoding.ASCII.GetBytes(Ok), connectionId: got.ConnectionId));
        Assert.True(host.CloseConnection(got.ConnectionId));
        Assert.Equal(Ok, await Net.ReadAsync(c, Ok.Length));
        Assert.True(await Net.ClosedByPeerAsync(c));
        Assert.False(host.CloseConnection(got.ConnectionId));
    }

    [Fact]
    public async Task Ipv6_loopback()
    {
        var (host, ep, handler) = await StartTcpAsync(ipv6: true);
        await using var _ = host;
        Assert.Equal("[::1]", ep.Host);
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, Invite);
        var got = handler.Next();
        Assert.Equal(Invite, got.Text);
        Assert.Equal(AddressFamily.InterNetworkV6, got.Source.AddressFamily);
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, got.Source, Encoding.ASCII.GetBytes(Ok), noConnect: true));
        Assert.Equal(Ok, await Net.ReadAsync(c, Ok.Length));
    }

    [Fact]
    public async Task Large_reply_to_a_slow_reader_is_queued_in_order()
    {
        var (host, ep, handler) = await StartTcpAsync(o => o.TcpMaxPendingWriteBytes = 64 * 1024 * 1024);
        await using var _ = host;
        using var c = await Net.TcpConnectAsync(ep.Bind);
        await Net.SendTextAsync(c, Ok);
        var got = handler.Next();
        // Far more than the socket buffers hold while the client is not reading.
        var block = new byte[60000];
        int blocks = 100;
        for (int i = 0; i < blocks; i++)
        {
            Array.Fill(block, (byte)('a' + i % 26));
            Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Tcp, got.Source, block, connectionId: got.ConnectionId));
        }
        string all = await Net.ReadAsync(c, block.Length * blocks, 20000, tolerateTimeout: true);
        Assert.True(all.Length == block.Length * blocks, "got " + all.Length + " counters " + host.GetCounters());
        Assert.Equal(block.Length * blocks, all.Length);
        for (int i = 0; i < blocks; i++)
            Assert.Equal((char)('a' + i % 26), all[i * block.Length + block.Length - 1]);
    }

    [Fact]
    public async Task Garbage_flood_is_disconnected_while_udp_keeps_echoing()
    {
        var handler = new RecordingHandler();
        var udp = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var tcp = new ListenEndpoint(SipProtocol.Tcp, Net.Loopback4);
        await using var host = await Net.StartAsync(Net.Options(udp, tcp), handler);
        handler.OnReceive = m =>
        {
            if (m.Protocol == SipProtocol.Udp)
                host.Send(SipProtocol.Udp, m.Source, m.Data.Span, m.Local);
        };

        using var flooder = await Net.TcpConnectAsync(tcp.Bind);
        var flood = Task.Run(async () =>
        {
            var junk = new byte[64 * 1024];
            new Random(7).NextBytes(junk);
            long sent = 0;
            try
            {
                using var cts = new CancellationTokenSource(10000);
                while (sent < 10 * 1024 * 1024)
                    sent += await flooder.SendAsync(junk, SocketFlags.None, cts.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // Disconnected (reset) by the server, as intended.
            }
            return sent;
        });

        using var client = Net.UdpClient();
        for (int i = 0; i < 20; i++)
        {
            string m = "OPTIONS sip:a@b SIP/2.0\r\nCSeq: " + i + " OPTIONS\r\n\r\n";
            client.SendTo(Encoding.ASCII.GetBytes(m), udp.Bind);
            Assert.Equal(m, Net.ReceiveText(client));
        }

        long flooded = await flood.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(flooded < 10 * 1024 * 1024, "the flooder was not disconnected");
        await Net.EventuallyAsync(() => host.GetCounters().TcpFramingErrors == 1 && host.GetConnections().Count == 0);
        Assert.Equal(0, host.GetCounters().TcpMessagesReceived);
    }
}

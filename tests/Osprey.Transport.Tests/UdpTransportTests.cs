using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Transport.Tests;

public class UdpTransportTests
{
    private const string Options = "OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_through_handler_replying_with_send(bool ipv6)
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Udp, ipv6 ? Net.Loopback6 : Net.Loopback4);
        await using var host = await Net.StartAsync(Net.Options(ep), handler);
        handler.OnReceive = m =>
        {
            var r = host.Send(SipProtocol.Udp, m.Source, m.Data.Span, m.Local);
            Assert.Equal(SendResult.Sent, r);
        };

        using var client = Net.UdpClient(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        Assert.NotEqual(0, ep.Bind.Port);
        for (int i = 0; i < 3; i++)
        {
            client.SendTo(Encoding.ASCII.GetBytes(Options + i), ep.Bind);
            Assert.Equal(Options + i, Net.ReceiveText(client));
            var got = handler.Next();
            Assert.Equal(client.LocalEndPoint, got.Source);
            Assert.Equal(0, got.ConnectionId);
            Assert.Same(ep, got.Local);
            Assert.Equal(SipProtocol.Udp, got.Local.Protocol);
        }
    }

    [Fact]
    public async Task Send_without_from_uses_first_listener_of_the_family()
    {
        var handler = new RecordingHandler();
        var ep4 = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var ep6 = new ListenEndpoint(SipProtocol.Udp, Net.Loopback6);
        await using var host = await Net.StartAsync(Net.Options(ep4, ep6), handler);
        using var c4 = Net.UdpClient();
        using var c6 = Net.UdpClient(AddressFamily.InterNetworkV6);
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Udp, (IPEndPoint)c4.LocalEndPoint!, Encoding.ASCII.GetBytes("four")));
        Assert.Equal(SendResult.Sent, host.Send(SipProtocol.Udp, (IPEndPoint)c6.LocalEndPoint!, Encoding.ASCII.GetBytes("six")));
        var buf = new byte[100];
        EndPoint any4 = new IPEndPoint(IPAddress.Any, 0);
        int n = c4.ReceiveFrom(buf, ref any4);
        Assert.Equal("four", Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(ep4.Bind, any4);
        EndPoint any6 = new IPEndPoint(IPAddress.IPv6Any, 0);
        n = c6.ReceiveFrom(buf, ref any6);
        Assert.Equal("six", Encoding.ASCII.GetString(buf, 0, n));
        Assert.Equal(ep6.Bind, any6);
    }

    [Fact]
    public async Task Several_loops_share_the_port_and_all_deliver()
    {
        if (!OperatingSystem.IsLinux())
            return; // SO_REUSEPORT spreading is Linux behaviour
        var threads = new ConcurrentDictionary<string, int>();
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.UdpReceiveLoops = 4;
        await using var host = await Net.StartAsync(options, handler);

        // The kernel picks a socket by hashing the 4-tuple: many source ports reach all loops.
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 64; i++)
            {
                var c = Net.UdpClient();
                clients.Add(c);
                c.SendTo(Encoding.ASCII.GetBytes(Options), ep.Bind);
            }
            for (int i = 0; i < 64; i++)
            {
                var r = handler.Next();
                threads.AddOrUpdate(r.Thread, 1, (_, v) => v + 1);
            }
        }
        finally
        {
            foreach (var c in clients)
                c.Dispose();
        }
        Assert.Equal(4, threads.Count);
        Assert.All(threads.Keys, k => Assert.StartsWith("osprey-udp-0-", k, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Oversize_datagram_is_flagged_with_all_its_bytes()
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.MaxUdpDatagramSize = 1000;
        await using var host = await Net.StartAsync(options, handler);
        using var client = Net.UdpClient();

        client.SendTo(new byte[1000], ep.Bind);
        var ok = handler.Next();
        Assert.Equal(InboundFlags.None, ok.Flags);
        Assert.Equal(1000, ok.Length);

        client.SendTo(new byte[1500], ep.Bind);
        var big = handler.Next();
        Assert.Equal(InboundFlags.Oversize, big.Flags);
        Assert.Equal(1500, big.Length);
        Assert.Equal(1, host.GetCounters().UdpOversize);
    }

    [Fact]
    public async Task Send_to_closed_port_does_not_kill_the_loop()
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.UdpReceiveLoops = 1;
        await using var host = await Net.StartAsync(options, handler);

        // A port nobody listens on: the kernel answers with ICMP port unreachable.
        IPEndPoint dead;
        using (var tmp = Net.UdpClient())
            dead = (IPEndPoint)tmp.LocalEndPoint!;
        for (int i = 0; i < 5; i++)
            host.Send(SipProtocol.Udp, dead, Encoding.ASCII.GetBytes("x"), ep);

        using var client = Net.UdpClient();
        client.SendTo(Encoding.ASCII.GetBytes(Options), ep.Bind);
        Assert.Equal(Options, handler.Next().Text);
    }

    [Fact]
    public async Task Handler_exception_does_not_kill_the_loop()
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.UdpReceiveLoops = 1;
        await using var host = await Net.StartAsync(options, handler);
        handler.OnReceive = _ => throw new InvalidOperationException("pipeline bug");
        using var client = Net.UdpClient();
        client.SendTo(Encoding.ASCII.GetBytes("one"), ep.Bind);
        client.SendTo(Encoding.ASCII.GetBytes("two"), ep.Bind);
        Assert.Equal("one", handler.Next().Text);
        Assert.Equal("two", handler.Next().Text);
        await Net.EventuallyAsync(() => host.GetCounters().HandlerErrors == 2);
    }

    /// <summary>A burst queued while the loop is busy is taken in batches (recvmmsg) or one by one: either
    /// way every datagram arrives whole, each with its own source, in each sender's order.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public async Task A_queued_burst_arrives_whole_in_order_with_each_datagrams_source(int batch)
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.UdpReceiveLoops = 1;
        options.UdpReceiveBatch = batch;
        await using var host = await Net.StartAsync(options, handler);
        using var gate = new ManualResetEventSlim();
        handler.OnReceive = m =>
        {
            if (m.Data.Span.SequenceEqual("hold"u8))
                gate.Wait(TimeSpan.FromSeconds(10));
        };
        var clients = new[] { Net.UdpClient(), Net.UdpClient(), Net.UdpClient() };
        try
        {
            clients[0].SendTo("hold"u8.ToArray(), ep.Bind);
            Assert.Equal("hold", handler.Next().Text); // the loop is now held inside the handler
            for (int i = 0; i < 90; i++)
            {
                var text = i + ":" + new string('x', i * 37 % 1200);
                clients[i % 3].SendTo(Encoding.ASCII.GetBytes(text), ep.Bind);
            }
            gate.Set();

            var next = new int[3];
            for (int k = 0; k < 90; k++)
            {
                var got = handler.Next();
                int c = Array.FindIndex(clients, x => x.LocalEndPoint!.Equals(got.Source));
                Assert.True(c >= 0, "unknown source " + got.Source);
                int i = next[c] * 3 + c;
                Assert.Equal(i + ":" + new string('x', i * 37 % 1200), got.Text);
                next[c]++;
            }
            Assert.Equal(91, host.GetCounters().UdpDatagramsReceived);
        }
        finally
        {
            foreach (var c in clients)
                c.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public async Task Stopping_wakes_loops_that_wait_for_datagrams(int batch)
    {
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.UdpReceiveBatch = batch;
        var host = await Net.StartAsync(options, new RecordingHandler());
        // nothing sent: every loop is blocked in its receive call
        await Task.Run(() => host.DisposeAsync().AsTask()).WaitAsync(TimeSpan.FromSeconds(20));
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(ep.Bind); // the port was really released
    }
}

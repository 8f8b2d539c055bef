using System.Net.Sockets;
using System.Text;

namespace Osprey.Transport.Tests;

public class UdpAllocationTests
{
    /// <summary>Echoes and records how much the receive thread had allocated at each call.</summary>
    private sealed class EchoMeter : IInboundHandler
    {
        public TransportHost? Host;
        public readonly long[] Allocated = new long[200];
        public int Count;
        public readonly SemaphoreSlim Done = new(0);

        public void OnMessage(in InboundMessage m)
        {
            Host!.Send(SipProtocol.Udp, m.Source, m.Data.Span, m.Local);
            Allocated[Count++] = GC.GetAllocatedBytesForCurrentThread();
            if (Count == Allocated.Length)
                Done.Release();
        }
    }

    [Fact]
    public async Task Receive_and_echo_allocate_nothing_per_datagram_once_warm()
    {
        var meter = new EchoMeter();
        var ep = new ListenEndpoint(SipProtocol.Udp, Net.Loopback4);
        var options = Net.Options(ep);
        options.UdpReceiveLoops = 1;
        var host = new TransportHost(options);
        meter.Host = host;
        Assert.True(host.TryStart(meter, out var error), error);
        await using var _ = host;

        using var client = Net.UdpClient();
        var payload = Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\n");
        var buf = new byte[1000];
        for (int i = 0; i < meter.Allocated.Length; i++)
        {
            client.SendTo(payload, ep.Bind);
            client.Receive(buf); // ReceiveTimeout is set: bounded
        }
        Assert.True(await meter.Done.WaitAsync(5000));

        // The first datagrams fill the peer and send-address caches; after that, nothing.
        long warm = meter.Allocated[50];
        long end = meter.Allocated[^1];
        Assert.Equal(0, end - warm);
    }
}

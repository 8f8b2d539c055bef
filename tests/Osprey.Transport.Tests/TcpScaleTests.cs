using System.Net.Sockets;
using System.Text;

namespace Osprey.Transport.Tests;

/// <summary>
/// Thousands of TCP connections held open at once, as registered clients behind NAT keep them
/// (bench/scale/run.sh measures 20,000 against the whole server).
/// </summary>
public class TcpScaleTests
{
    private const int Connections = 3000;
    private const string Ok = "SIP/2.0 200 OK\r\nl: 0\r\n\r\n";

    [Fact(Timeout = 120_000)]
    public async Task Thousands_of_connections_stay_open_answer_pings_and_hold_no_buffer_at_rest()
    {
        var handler = new RecordingHandler();
        var ep = new ListenEndpoint(SipProtocol.Tcp, Net.Loopback4);
        var options = Net.Options(ep);
        options.TcpMaxConnections = Connections + 10;
        await using var host = await Net.StartAsync(options, handler);
        var clients = new List<Socket>(Connections);
        try
        {
            long before = GC.GetTotalMemory(forceFullCollection: true);

            // All at once, in waves: the listen backlog must hold what the accept loop has not taken yet.
            var message = Encoding.ASCII.GetBytes(Ok);
            for (int wave = 0; wave < Connections / 500; wave++)
            {
                var opening = new Task<Socket>[500];
                for (int i = 0; i < opening.Length; i++)
                    opening[i] = Net.TcpConnectAsync(ep.Bind);
                foreach (var s in await Task.WhenAll(opening))
                {
                    clients.Add(s);
                    await s.SendAsync(message, SocketFlags.None);
                }
            }
            for (int i = 0; i < Connections; i++)
                Assert.Equal(Ok, handler.Next(10_000).Text);
            await Net.EventuallyAsync(() => host.GetConnections().Count == Connections, 10_000);
            Assert.Equal(0, host.GetCounters().TcpConnectionsRefused);

            // At rest every connection waits for its next bytes. What one costs here (both ends'
            // sockets and our connection state: about 3.3 KB) must not include a 4 KB receive buffer
            // (7.5 KB when it did).
            long after = GC.GetTotalMemory(forceFullCollection: true);
            long perConnection = (after - before) / Connections;
            Assert.True(perConnection < 5000, "managed memory per idle connection: " + perConnection + " bytes");

            // Each one is still served: an RFC 5626 ping gets its pong.
            var ping = "\r\n\r\n"u8.ToArray();
            foreach (var s in clients)
                await s.SendAsync(ping, SocketFlags.None);
            foreach (var s in clients)
                Assert.Equal("\r\n", await Net.ReadAsync(s, 2, 10_000));
            Assert.Equal(Connections, host.GetConnections().Count);
        }
        finally
        {
            foreach (var s in clients)
                s.Dispose();
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Script.Tests.Runtime;

/// <summary>
/// A small kamailio.cfg compiled by Osprey and run by a SipServer on real UDP sockets on 127.0.0.1:
/// OPTIONS to this server is logged and dropped; other requests get $du from a header test and are
/// forwarded statelessly to an upstream socket, which receives them with our Via on top.
/// </summary>
public sealed class EndToEndTests
{
    private const string Cfg = """
#!KAMAILIO
listen=udp:127.0.0.1:5060
debug=2
log_stderror=yes
children=2
tcp_connection_lifetime=3605
tcp_max_connections=512
alias="proxy.example.test"
loadmodule "pv"
loadmodule "xlog"

request_route {
    if (method == "OPTIONS" && uri == myself) {
        xlog("L_INFO", "options for me from $si:$sp\n");
        drop;
    }
    if ($hdr(X-Route) == "upstream") {
        $du = UPSTREAM;
        setflag(4);
    }
    route(STAMP);
    if (!forward()) {
        xlog("L_ERR", "forward failed\n");
    }
}

route[STAMP] {
    $var(n) = $var(n) + 1;
    xlog("L_INFO", "forwarding $rm $ru to $du (#$var(n), flag4=$mf)\n");
}
""";

    [Fact]
    public async Task Script_routes_real_udp_traffic()
    {
        using var upstream = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int upstreamPort = ((IPEndPoint)upstream.Client.LocalEndPoint!).Port;
        using var files = new TestConfig();
        var log = new StringWriter();
        var path = files.Write("kamailio.cfg", Cfg);
        var result = ScriptLoader.Load(path, new Dictionary<string, string?> { ["UPSTREAM"] = $"\"sip:127.0.0.1:{upstreamPort}\"" },
            new ScriptLoadOptions { LogWriter = TextWriter.Synchronized(log) });
        Assert.True(result.Success, string.Join("\n", result.Errors));

        var settings = result.Script!.Settings;
        Assert.Equal([new ListenSpec("udp", "127.0.0.1", 5060, null, null)], settings.Listen);
        Assert.Equal((2, 2, true, 3605, 512), (settings.Children, settings.Debug, settings.LogStderror, settings.TcpConnectionLifetime, settings.TcpMaxConnections));
        Assert.Equal(["proxy.example.test"], settings.Aliases);

        var core = new CoreSettings();
        settings.ApplyTo(core);
        var server = new SipServer(core, result.Router!);
        var options = new TransportOptions { UdpReceiveLoops = 1 };
        options.Listen.Add(new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0)));
        await using var transport = new TransportHost(options);
        Assert.True(transport.TryStart(server, out var err), err);
        server.AttachTransport(transport, transport.Listeners);
        Assert.Empty(result.Router!.Start(server));
        int port = transport.Listeners[0].Bind.Port;

        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
        string Req(string method, string ruri, string extra) =>
            $"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{clientPort};branch=z9hG4bK-e2e-{method}\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: e2e-{method}\r\nCSeq: 1 {method}\r\n{extra}Content-Length: 0\r\n\r\n";

        // OPTIONS to myself: logged and dropped, nothing sent anywhere
        var opt = Encoding.UTF8.GetBytes(Req("OPTIONS", $"sip:127.0.0.1:{port}", ""));
        await client.SendAsync(opt, new IPEndPoint(IPAddress.Loopback, port));
        await WaitFor(() => log.ToString().Contains("options for me", StringComparison.Ordinal));
        Assert.Contains($"INFO: <script>: options for me from 127.0.0.1:{clientPort}", log.ToString(), StringComparison.Ordinal);

        // INVITE with X-Route: upstream -> $du set, forwarded to the upstream socket
        var inv = Encoding.UTF8.GetBytes(Req("INVITE", "sip:bob@far.example.invalid", "X-Route: upstream\r\n"));
        await client.SendAsync(inv, new IPEndPoint(IPAddress.Loopback, port));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var got = await upstream.ReceiveAsync(cts.Token);
        var fwd = SipMessage.ParseAndValidate(got.Buffer, Framing.Datagram, out var perr);
        Assert.False(perr.IsError, perr.ToString());
        Assert.Equal(SipMethod.Invite, fwd!.Method);
        Assert.Equal("sip:bob@far.example.invalid", Encoding.UTF8.GetString(fwd.RequestUriText));
        Assert.Equal(70, fwd.MaxForwards); // forward() leaves Max-Forwards to the maxfwd module (Kamailio 5.6 sends 70 too)
        Assert.Equal(("127.0.0.1", port), (Encoding.UTF8.GetString(fwd.TopVia.Host), fwd.TopVia.Port));
        Assert.Equal(2, fwd.ViaCount);
        await WaitFor(() => log.ToString().Contains("forwarding INVITE", StringComparison.Ordinal));
        Assert.Contains($"forwarding INVITE sip:bob@far.example.invalid to sip:127.0.0.1:{upstreamPort} (#1, flag4=16)", log.ToString(), StringComparison.Ordinal);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "timed out");
    }
}

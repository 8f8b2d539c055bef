using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Rpc;
using Osprey.Modules.Xhttp;
using Osprey.Modules.XhttpProm;
using Osprey.Transport;

namespace Osprey.Modules.Tests.Rpc;

/// <summary>
/// A real server for control-plane tests: SIP on UDP 127.0.0.1 (random port), and every control
/// transport: HTTP on 127.0.0.1 (random port), a binrpc unix socket, the jsonrpcs FIFO and datagram
/// socket, in a private temp directory removed on dispose.
/// </summary>
internal sealed class ControlTestServer : IAsyncDisposable
{
    private ControlTestServer(string dir, SipServer server, TransportHost transport, ControlPlane plane, RpcRegistry registry, XhttpPromModule prom)
    {
        Dir = dir;
        Server = server;
        Transport = transport;
        Plane = plane;
        Registry = registry;
        Prom = prom;
    }

    public string Dir { get; }
    public SipServer Server { get; }
    public TransportHost Transport { get; }
    public ControlPlane Plane { get; }
    public RpcRegistry Registry { get; }
    public XhttpPromModule Prom { get; }
    public string CtlSocket => Path.Combine(Dir, "ctl.sock");
    public string Fifo => Path.Combine(Dir, "rpc.fifo");
    public string Dgram => Path.Combine(Dir, "rpc.sock");
    public Uri RpcUri => new("http://" + Plane.HttpEndPoint + "/RPC");
    public Uri MetricsUri => new("http://" + Plane.HttpEndPoint + "/metrics");
    public IPEndPoint SipEndPoint => Server.Listeners[0].Bind;

    public static async Task<ControlTestServer> StartAsync(Action<RpcRegistry>? register = null, long maxBody = 1024 * 1024, Action<ControlSettings, XhttpPromModule>? configure = null)
    {
        string dir = Directory.CreateTempSubdirectory("osprey-ctl-").FullName;
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var options = new TransportOptions { UdpReceiveLoops = 1 };
        options.Listen.Add(new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0)));
        var transport = new TransportHost(options);
        Assert.True(transport.TryStart(server, out var error), error);
        server.AttachTransport(transport, transport.Listeners);
        var registry = new RpcRegistry();
        registry.RegisterModule(new Osprey.Modules.Corex.CorexModule { Server = server });
        register?.Invoke(registry);
        var prom = new XhttpPromModule();
        var settings = new ControlSettings
        {
            HttpPort = 0,
            MaxRequestBodySize = maxBody,
            FifoName = Path.Combine(dir, "rpc.fifo"),
            FifoReplyDir = dir,
            DgramSocket = Path.Combine(dir, "rpc.sock"),
            Prometheus = prom,
        };
        settings.CtlSockets.Add("unix:" + Path.Combine(dir, "ctl.sock"));
        configure?.Invoke(settings, prom);
        var plane = await ControlPlane.StartAsync(server, settings, registry);
        return new ControlTestServer(dir, server, transport, plane, registry, prom);
    }

    /// <summary>Sends an OPTIONS to the server and waits for its 200.</summary>
    public string SendOptions(int n)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s.ReceiveTimeout = 5000;
        var local = (IPEndPoint)s.LocalEndPoint!;
        var target = SipEndPoint;
        string msg =
            $"OPTIONS sip:{target.Address}:{target.Port} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP {local.Address}:{local.Port};branch=z9hG4bK-ctl-{n}\r\n" +
            "Max-Forwards: 70\r\n" +
            $"From: <sip:test@{local.Address}>;tag=t{n}\r\n" +
            $"To: <sip:{target.Address}:{target.Port}>\r\n" +
            $"Call-ID: ctl-test-{n}@{local.Address}\r\n" +
            "CSeq: 1 OPTIONS\r\n" +
            "Content-Length: 0\r\n\r\n";
        s.SendTo(Encoding.ASCII.GetBytes(msg), target);
        var buf = new byte[65536];
        int got = s.Receive(buf);
        return Encoding.ASCII.GetString(buf, 0, got);
    }

    public async ValueTask DisposeAsync()
    {
        await Plane.DisposeAsync();
        await Transport.DisposeAsync();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Transport.Tests;

/// <summary>A received message, copied out of the transport's buffer.</summary>
internal sealed record Received(string Text, IPEndPoint Source, ListenEndpoint Local, long ConnectionId, InboundFlags Flags, int Length, string Thread);

/// <summary>Records messages; optionally runs a reply action on the receiving thread.</summary>
internal sealed class RecordingHandler : IInboundHandler
{
    private readonly BlockingCollection<Received> _queue = new();

    public Action<InboundMessage>? OnReceive { get; set; }

    public void OnMessage(in InboundMessage m)
    {
        _queue.Add(new Received(Encoding.ASCII.GetString(m.Data.Span), m.Source, m.Local, m.ConnectionId, m.Flags, m.Data.Length, Thread.CurrentThread.Name ?? "pool"));
        OnReceive?.Invoke(m);
    }

    public Received Next(int timeoutMs = 5000)
    {
        if (!_queue.TryTake(out var r, timeoutMs))
            throw new TimeoutException("no message within " + timeoutMs + " ms");
        return r;
    }

    public bool TryNext(int timeoutMs, out Received? r) => _queue.TryTake(out r, timeoutMs);
}

internal static class Net
{
    public static readonly IPEndPoint Loopback4 = new(IPAddress.Loopback, 0);
    public static readonly IPEndPoint Loopback6 = new(IPAddress.IPv6Loopback, 0);

    public static TransportOptions Options(params ListenEndpoint[] listen)
    {
        var o = new TransportOptions { UdpReceiveLoops = 2 };
        o.Listen.AddRange(listen);
        return o;
    }

    public static async Task<TransportHost> StartAsync(TransportOptions options, IInboundHandler handler)
    {
        var host = new TransportHost(options);
        Assert.True(host.TryStart(handler, out var error), error);
        await Task.CompletedTask;
        return host;
    }

    public static Socket UdpClient(AddressFamily family = AddressFamily.InterNetwork)
    {
        var s = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(family == AddressFamily.InterNetworkV6 ? Loopback6 : Loopback4);
        s.ReceiveTimeout = 5000;
        return s;
    }

    public static string ReceiveText(Socket s, int timeoutMs = 5000)
    {
        s.ReceiveTimeout = timeoutMs;
        var buf = new byte[70000];
        int n = s.Receive(buf);
        return Encoding.ASCII.GetString(buf, 0, n);
    }

    public static async Task<Socket> TcpConnectAsync(IPEndPoint to)
    {
        var s = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(5000);
        await s.ConnectAsync(to, cts.Token);
        return s;
    }

    public static async Task SendTextAsync(Socket s, string text) =>
        await s.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    /// <summary>Reads until <paramref name="expectedLength"/> bytes arrived, the peer closed, or the timeout.</summary>
    public static async Task<string> ReadAsync(Socket s, int expectedLength, int timeoutMs = 5000, bool tolerateTimeout = false)
    {
        var buf = new byte[Math.Max(expectedLength, 1)];
        int total = 0;
        using var cts = new CancellationTokenSource(timeoutMs);
        while (total < expectedLength)
        {
            int n;
            try
            {
                n = await s.ReceiveAsync(buf.AsMemory(total), SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException) when (tolerateTimeout)
            {
                break;
            }
            if (n == 0)
                break;
            total += n;
        }
        return Encoding.ASCII.GetString(buf, 0, total);
    }

    /// <summary>True when the peer closed (read returns 0 or a reset) within the timeout.</summary>
    public static async Task<bool> ClosedByPeerAsync(Socket s, int timeoutMs = 5000)
    {
        var buf = new byte[65536];
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            while (true)
            {
                int n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token);
                if (n == 0)
                    return true;
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static async Task EventuallyAsync(Func<bool> condition, int timeoutMs = 5000)
    {
        var until = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > until)
                Assert.Fail("condition not met within " + timeoutMs + " ms");
            await Task.Delay(20);
        }
    }
}

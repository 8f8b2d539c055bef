using System.Net;
using System.Net.Sockets;
using System.Text;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests.Support;

/// <summary>A tiny SIP user agent over UDP on 127.0.0.1 for integration tests.</summary>
internal sealed class TestUa : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly byte[] _buf = new byte[70000];

    public TestUa(int port = 0)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Send(int port, string message) => Send(port, Encoding.UTF8.GetBytes(message));

    public void Send(int port, byte[] message) => _socket.SendTo(message, new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>Next datagram, parsed; null on timeout.</summary>
    public SipMessage? Receive(TimeSpan timeout) => ReceiveFrom(timeout, out _);

    public SipMessage? ReceiveFrom(TimeSpan timeout, out IPEndPoint? from)
    {
        from = null;
        _socket.ReceiveTimeout = Math.Max(1, (int)timeout.TotalMilliseconds);
        EndPoint ep = new IPEndPoint(IPAddress.Any, 0);
        try
        {
            int n = _socket.ReceiveFrom(_buf, ref ep);
            from = (IPEndPoint)ep;
            return SipMessage.ParseAndValidate(_buf.AsSpan(0, n).ToArray(), Framing.Datagram, out _);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return null;
        }
    }

    public static string Options(string ruri, string callId, int localPort = 5999, string branch = "") =>
        $"OPTIONS {ruri} SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{localPort};branch=z9hG4bK{(branch.Length > 0 ? branch : callId)};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:tester@127.0.0.1>;tag=t1\r\n" +
        $"To: <{ruri}>\r\n" +
        $"Call-ID: {callId}\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>Everything that arrives within <paramref name="ms"/> milliseconds.</summary>
    public List<SipMessage> Drain(int ms)
    {
        var list = new List<SipMessage>();
        var until = DateTime.UtcNow.AddMilliseconds(ms);
        while (DateTime.UtcNow < until)
        {
            if (Receive(TimeSpan.FromMilliseconds(100)) is { } m) list.Add(m);
        }
        return list;
    }

    /// <summary>An INVITE from this UA to <paramref name="user"/> at the proxy on <paramref name="proxyPort"/>;
    /// Call-ID, branch and From tag derive from <paramref name="user"/>.</summary>
    public string Invite(int proxyPort, string user)
    {
        string proxy = proxyPort.ToString(System.Globalization.CultureInfo.InvariantCulture), me = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"INVITE sip:{user}@127.0.0.1:{proxy} SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK{user}1;rport\r\n" +
            "Max-Forwards: 70\r\n" +
            $"From: <sip:caller@127.0.0.1>;tag=c-{user}\r\n" +
            $"To: <sip:{user}@127.0.0.1>\r\n" +
            $"Call-ID: {user}-{me}@127.0.0.1\r\n" +
            "CSeq: 1 INVITE\r\n" +
            $"Contact: <sip:caller@127.0.0.1:{me}>\r\n" +
            "Content-Length: 0\r\n\r\n";
    }

    public void Dispose() => _socket.Dispose();
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Osprey.Interop.Tests.Support;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests;

/// <summary>The osprey executable over real UDP and TCP sockets on 127.0.0.1, built-in routing.</summary>
public class StatelessServerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Options_over_udp_gets_200_with_our_via_and_a_to_tag()
    {
        using var osprey = OspreyProcess.Start();
        using var ua = new TestUa();
        ua.Send(osprey.Port, TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "opt-1", ua.Port));
        var r = ua.Receive(Wait);
        Assert.NotNull(r);
        Assert.Equal(200, r!.StatusCode);
        Assert.Equal("z9hG4bKopt-1", S(r.TopVia.Branch));
        Assert.Equal(ua.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), S(r.TopVia.Rport));
        Assert.True(r.To.HasTag);
        Assert.Equal("opt-1", S(r.CallId));
    }

    [Fact]
    public void Options_over_tcp_gets_200_on_the_same_connection()
    {
        using var osprey = OspreyProcess.Start();
        using var tcp = new TcpClient();
        tcp.Connect(IPAddress.Loopback, osprey.Port);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 3000;
        var req = TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "tcp-1").Replace("SIP/2.0/UDP", "SIP/2.0/TCP", StringComparison.Ordinal);
        stream.Write(Encoding.UTF8.GetBytes(req));
        var buf = new byte[4096];
        int total = 0;
        while (total < 12 || !Encoding.UTF8.GetString(buf, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int n = stream.Read(buf, total, buf.Length - total);
            Assert.True(n > 0, "connection closed");
            total += n;
        }
        var r = SipMessage.ParseAndValidate(buf.AsSpan(0, total).ToArray(), Framing.Stream, out var err);
        Assert.False(err.IsError, err.ToString());
        Assert.Equal(200, r!.StatusCode);
    }

    [Fact]
    public void Request_is_forwarded_statelessly_and_the_reply_comes_back()
    {
        using var callee = new TestUa();
        using var osprey = OspreyProcess.Start("--next-hop", $"sip:127.0.0.1:{callee.Port}");
        using var caller = new TestUa();
        string invite = Invite(osprey.Port, caller.Port, "fwd-1");
        caller.Send(osprey.Port, invite);
        var atCallee = callee.ReceiveFrom(Wait, out var from);
        Assert.NotNull(atCallee);
        Assert.Equal(SipMethod.Invite, atCallee!.Method);
        Assert.Equal(2, atCallee.ViaCount);
        Assert.Equal(osprey.Port, atCallee.TopVia.Port);
        Assert.Equal(69, atCallee.MaxForwards);
        Assert.Equal(osprey.Port, from!.Port);
        var branch = S(atCallee.TopVia.Branch);

        // a retransmission is forwarded with the same branch (RFC 3261 §16.11)
        caller.Send(osprey.Port, invite);
        var again = callee.Receive(Wait);
        Assert.NotNull(again);
        Assert.Equal(branch, S(again!.TopVia.Branch));

        // the callee answers; the reply loses osprey's Via and reaches the caller
        callee.Send(osprey.Port, ReplyTo(atCallee, 180, "Ringing"));
        var ringing = caller.Receive(Wait);
        Assert.NotNull(ringing);
        Assert.Equal(180, ringing!.StatusCode);
        Assert.Equal(1, ringing.ViaCount);
        Assert.Equal("z9hG4bKfwd-1", S(ringing.TopVia.Branch));
    }

    [Fact]
    public void Tcp_garbage_is_disconnected_while_udp_keeps_getting_answers()
    {
        using var osprey = OspreyProcess.Start();
        using var ua = new TestUa();
        using var tcp = new TcpClient();
        tcp.Connect(IPAddress.Loopback, osprey.Port);
        var rnd = new Random(7);
        var garbage = new byte[10 * 1024 * 1024];
        rnd.NextBytes(garbage);
        var sender = Task.Run(() =>
        {
            try
            {
                var s = tcp.GetStream();
                for (int off = 0; off < garbage.Length; off += 64 * 1024) s.Write(garbage, off, 64 * 1024);
                return false; // all 10 MB accepted: never disconnected
            }
            catch (IOException)
            {
                return true;
            }
        });
        int answered = 0;
        var worst = TimeSpan.Zero;
        for (int i = 0; i < 40; i++)
        {
            var sw = Stopwatch.StartNew();
            ua.Send(osprey.Port, TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "g" + i, ua.Port));
            var r = ua.Receive(TimeSpan.FromSeconds(2));
            if (r is not null && r.StatusCode == 200) answered++;
            if (sw.Elapsed > worst) worst = sw.Elapsed;
            Thread.Sleep(20);
        }
        Assert.True(sender.Wait(TimeSpan.FromSeconds(20)), "garbage sender still blocked after 20 s");
        Assert.True(sender.Result, "the garbage-sending TCP peer was not disconnected");
        Assert.Equal(40, answered);
        Assert.True(worst < TimeSpan.FromSeconds(1), "an OPTIONS took " + worst);
    }

    [Fact]
    public void Oversize_datagram_gets_513_or_is_dropped_as_configured()
    {
        using var osprey = OspreyProcess.Start("--max-message-size", "2000");
        using var ua = new TestUa();
        var big = TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "big-1", ua.Port).Replace("Content-Length: 0", "X-Pad: " + new string('x', 3000) + "\r\nContent-Length: 0", StringComparison.Ordinal);
        ua.Send(osprey.Port, big);
        var r = ua.Receive(Wait);
        Assert.NotNull(r);
        Assert.Equal(513, r!.StatusCode);

        using var quiet = OspreyProcess.Start("--max-message-size", "2000", "--oversize", "drop");
        ua.Send(quiet.Port, big.Replace($"127.0.0.1:{osprey.Port}", $"127.0.0.1:{quiet.Port}", StringComparison.Ordinal));
        Assert.Null(ua.Receive(TimeSpan.FromSeconds(1)));
        // and it still answers normal traffic
        ua.Send(quiet.Port, TestUa.Options($"sip:127.0.0.1:{quiet.Port}", "small-1", ua.Port));
        Assert.Equal(200, ua.Receive(Wait)?.StatusCode);
    }

    [Fact]
    public void Malformed_request_gets_400_and_the_server_keeps_serving()
    {
        using var osprey = OspreyProcess.Start();
        using var ua = new TestUa();
        var bad = TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "bad-1", ua.Port).Replace("CSeq: 1 OPTIONS", "CSeq: 99999999999 OPTIONS", StringComparison.Ordinal);
        ua.Send(osprey.Port, bad);
        var r = ua.Receive(Wait);
        Assert.Equal(400, r?.StatusCode);
        Assert.Equal("CSeq number is illegal", S(r!.Reason));
        ua.Send(osprey.Port, TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "good-1", ua.Port));
        Assert.Equal(200, ua.Receive(Wait)?.StatusCode);
    }

    internal static string Invite(int proxyPort, int callerPort, string id) =>
        $"INVITE sip:bob@example.com SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP 127.0.0.1:{callerPort};branch=z9hG4bK{id};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a1\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        $"Call-ID: {id}\r\n" +
        "CSeq: 1 INVITE\r\n" +
        $"Contact: <sip:alice@127.0.0.1:{callerPort}>\r\n" +
        "Content-Length: 0\r\n\r\n";

    /// <summary>A reply a UAS would send: the request's Vias, From, To with tag, Call-ID, CSeq.</summary>
    internal static string ReplyTo(SipMessage req, int status, string reason)
    {
        var sb = new StringBuilder();
        sb.Append("SIP/2.0 ").Append(status).Append(' ').Append(reason).Append("\r\n");
        for (int i = 0; i < req.HeaderCount; i++)
        {
            var h = req.Header(i);
            if (h.Id is HeaderId.Via or HeaderId.From or HeaderId.CallId or HeaderId.CSeq)
            {
                sb.Append(S(h.Name.Of(req.Span))).Append(": ").Append(req.ValueString(i)).Append("\r\n");
            }
            else if (h.Id == HeaderId.To)
            {
                sb.Append("To: ").Append(req.ValueString(i)).Append(";tag=callee1\r\n");
            }
        }
        sb.Append("Content-Length: 0\r\n\r\n");
        return sb.ToString();
    }
}

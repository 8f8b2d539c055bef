using System.Text;
using Osprey.Sip.Message;

namespace Osprey.Sip.Tests.Message;

/// <summary>A receive loop parses each message into the object it parsed last (ParseReusing): nothing
/// of the previous message may show through, and a detached (kept) message is never overwritten.</summary>
public class ReuseTests
{
    private const string Invite =
        "INVITE sip:bob@example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=a\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        "Call-ID: one\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:alice@192.0.2.1>\r\n" +
        "Record-Route: <sip:p1.example.com;lr>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n\r\nv=0\n";

    private const string Reply =
        "SIP/2.0 180 Ringing\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK2\r\n" +
        "From: <sip:carol@example.com>;tag=c\r\n" +
        "To: <sip:dave@example.com>;tag=d\r\n" +
        "Call-ID: two\r\n" +
        "CSeq: 5 OPTIONS\r\n\r\n";

    private static ReadOnlyMemory<byte> B(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void A_reused_message_shows_only_the_new_message()
    {
        var first = SipMessage.ParseReusing(null, B(Invite), Framing.Datagram, out var err)!;
        Assert.False(err.IsError);
        Assert.True(first.Validate().IsError is false);
        Assert.Equal("bob", Encoding.ASCII.GetString(first.RequestUri.User));
        Assert.Equal(70, first.MaxForwards);
        long serial = first.Serial;

        var second = SipMessage.ParseReusing(first, B(Reply), Framing.Datagram, out err)!;
        Assert.Same(first, second);
        Assert.False(err.IsError);
        Assert.False(second.Validate().IsError);
        Assert.NotEqual(serial, second.Serial);
        Assert.True(second.IsReply);
        Assert.Equal(180, second.StatusCode);
        Assert.Equal("two", Encoding.ASCII.GetString(second.CallId));
        Assert.Equal("dave", Encoding.ASCII.GetString(second.To.Uri.User));
        Assert.Equal(5u, second.CSeq.Number);
        // headers of the INVITE are gone, framing is the reply's own
        Assert.False(second.Has(HeaderId.MaxForwards));
        Assert.False(second.Has(HeaderId.RecordRoute));
        Assert.False(second.Has(HeaderId.Contact));
        Assert.Equal(-1, second.MaxForwards);
        Assert.Equal(-1, second.ContentLength);
        Assert.Equal(0, second.BodyLength);
        Assert.Equal(5, second.HeaderCount);
    }

    [Fact]
    public void A_detached_message_is_not_parsed_into()
    {
        var kept = SipMessage.ParseReusing(null, B(Invite), Framing.Datagram, out _)!;
        kept.Detach();
        Assert.True(kept.IsKept);
        var next = SipMessage.ParseReusing(kept, B(Reply), Framing.Datagram, out _)!;
        Assert.NotSame(kept, next);
        Assert.Equal("one", Encoding.ASCII.GetString(kept.CallId));
        Assert.True(kept.IsRequest);
        Assert.False(next.IsKept);
    }

    [Fact]
    public void Many_headers_then_few_leave_no_trace()
    {
        // more than the 32 header entries held inline: the spill array is reused, the count is not
        var sb = new StringBuilder("OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\n");
        for (int i = 0; i < 40; i++) sb.Append("X-H").Append(i).Append(": v\r\n");
        sb.Append("From: <sip:a@h>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
        var m = SipMessage.ParseReusing(null, B(sb.ToString()), Framing.Datagram, out _)!;
        Assert.Equal(45, m.HeaderCount);
        Assert.True(m.IndexOf("X-H39"u8) > 32);
        var again = SipMessage.ParseReusing(m, B(Reply), Framing.Datagram, out _)!;
        Assert.Equal(5, again.HeaderCount);
        Assert.Equal(-1, again.IndexOf("X-H39"u8));
    }
}

using System.Text;
using Osprey.Sip.Builder;
using Osprey.Sip.Message;

namespace Osprey.Sip.Tests.Builder;

public class BuilderTests
{
    private const string Invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "X-Remove-Me: yes\r\n" +
        "Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "v=0\n";

    private static SipMessage Parse(string text)
    {
        var m = SipMessage.ParseAndValidate(Encoding.UTF8.GetBytes(text), Framing.Datagram, out var err);
        Assert.False(err.IsError, err.ToString());
        return m!;
    }

    private static SipMessage Reparse(PooledBytes bytes)
    {
        var copy = bytes.Span.ToArray();
        bytes.Dispose();
        var m = SipMessage.ParseAndValidate(copy, Framing.Stream, out var err);
        Assert.False(err.IsError, err + "\n" + Encoding.UTF8.GetString(copy));
        return m!;
    }

    private static string S(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    [Fact]
    public void Forwarding_edits_apply_in_one_pass()
    {
        var m = Parse(Invite);
        var ed = new MessageEditor();
        ed.Reset(m);
        ed.InsertHeaderFirst("Via"u8, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy1"u8);
        ed.SetRequestUri("sip:bob@192.0.2.4:5062"u8);
        ed.RemoveHeader(m.IndexOf("X-Remove-Me"u8));
        ed.ReplaceHeaderValue(m.IndexOf(HeaderId.MaxForwards), "69"u8);
        ed.AppendHeaderLine("Record-Route: <sip:10.0.0.1;lr>"u8);
        var outMsg = Reparse(ed.Apply());
        Assert.Equal("sip:bob@192.0.2.4:5062", S(outMsg.RequestUriText));
        Assert.Equal(2, outMsg.ViaCount);
        Assert.Equal("z9hG4bKproxy1", S(outMsg.TopVia.Branch));
        Assert.True(outMsg.TryGetVia(1, out var second));
        Assert.Equal("z9hG4bK776asdhds", S(second.Branch));
        Assert.Equal(-1, outMsg.IndexOf("X-Remove-Me"u8));
        Assert.Equal(69, outMsg.MaxForwards);
        Assert.True(outMsg.Has(HeaderId.RecordRoute));
        Assert.Equal("v=0\n", S(outMsg.Body));
    }

    [Fact]
    public void Replacing_the_body_fixes_content_length()
    {
        var m = Parse(Invite);
        var ed = new MessageEditor();
        ed.Reset(m);
        ed.ReplaceBody("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n"u8);
        var outMsg = Reparse(ed.Apply());
        Assert.Equal(outMsg.Body.Length, outMsg.ContentLength);
        Assert.Equal("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n", S(outMsg.Body));
    }

    [Fact]
    public void Apply_can_run_twice_with_the_same_result()
    {
        var m = Parse(Invite);
        var ed = new MessageEditor();
        ed.Reset(m);
        ed.ReplaceBody("abc"u8);
        using var a = ed.Apply();
        using var b = ed.Apply();
        Assert.Equal(S(a.Span), S(b.Span));
    }

    [Fact]
    public void Stream_forwarding_adds_a_missing_content_length()
    {
        var m = SipMessage.ParseAndValidate(TestVectors.Load("rfc4475", "inv2543"), Framing.Datagram, out _)!;
        var ed = new MessageEditor();
        ed.Reset(m);
        var outMsg = Reparse(ed.Apply(ensureContentLength: true));
        Assert.Equal(m.BodyLength, outMsg.ContentLength);
    }

    [Fact]
    public void Trailing_octets_after_content_length_are_never_forwarded()
    {
        var m = SipMessage.ParseAndValidate(TestVectors.Load("rfc4475", "dblreq"), Framing.Datagram, out _)!;
        var ed = new MessageEditor();
        ed.Reset(m);
        using var outBytes = ed.Apply();
        Assert.Equal(m.Length, outBytes.Length);
        Assert.DoesNotContain("INVITE", S(outBytes.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_empty_line_is_added()
    {
        var m = SipMessage.ParseAndValidate(TestVectors.Load("rfc4475", "baddn"), Framing.Datagram, out _)!;
        Assert.True(m.MissingEmptyLine);
        var ed = new MessageEditor();
        ed.Reset(m);
        ed.AppendHeaderLine("X-Added: 1"u8);
        var outMsg = Reparse(ed.Apply());
        Assert.True(outMsg.IndexOf("X-Added"u8) >= 0);
        Assert.False(outMsg.MissingEmptyLine);
    }

    [Fact]
    public void Reply_copies_dialog_headers_and_fills_rport_and_received()
    {
        var m = Parse(Invite);
        var opts = new ReplyOptions { ToTag = "as83kd9"u8, Received = "192.0.2.9"u8, Rport = 40000, ExtraHeaders = "Server: Osprey\r\n"u8 };
        var r = Reparse(ReplyBuilder.Build(m, 486, "Busy Here"u8, opts));
        Assert.False(r.IsRequest);
        Assert.Equal(486, r.StatusCode);
        Assert.Equal("Busy Here", S(r.Reason));
        Assert.Equal("as83kd9", S(r.To.Tag));
        Assert.Equal("1928301774", S(r.From.Tag));
        Assert.Equal(S(m.CallId), S(r.CallId));
        Assert.Equal(314159u, r.CSeq.Number);
        Assert.Equal(SipMethod.Invite, r.CSeq.Method);
        Assert.Equal("40000", S(r.TopVia.Rport));
        Assert.Equal("192.0.2.9", S(r.TopVia.Received));
        Assert.Equal("z9hG4bK776asdhds", S(r.TopVia.Branch));
        Assert.Equal(-1, r.IndexOf(HeaderId.Contact));
        Assert.True(r.IndexOf("Server"u8) >= 0);
        Assert.Equal(0, r.ContentLength);
    }

    [Fact]
    public void Reply_keeps_an_existing_to_tag_and_all_vias()
    {
        var text = Invite.Replace("To: Bob <sip:bob@biloxi.example.com>", "To: Bob <sip:bob@biloxi.example.com>;tag=existing", StringComparison.Ordinal)
            .Replace("Max-Forwards: 70\r\n", "Via: SIP/2.0/TCP second.example.com, SIP/2.0/UDP third.example.com\r\nMax-Forwards: 70\r\n", StringComparison.Ordinal);
        var m = Parse(text);
        var r = Reparse(ReplyBuilder.Build(m, 200, "OK"u8, new ReplyOptions { ToTag = "new"u8, Body = "hello"u8, ContentType = "text/plain"u8 }));
        Assert.Equal("existing", S(r.To.Tag));
        Assert.Equal(3, r.ViaCount);
        Assert.Equal("hello", S(r.Body));
        Assert.Equal("text/plain", S(r.ValueOf(HeaderId.ContentType)));
    }
}

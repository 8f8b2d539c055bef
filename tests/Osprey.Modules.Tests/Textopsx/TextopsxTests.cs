using Osprey.Sip.Message;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Textopsx;

public class TextopsxTests
{
    private readonly ModuleHarness _h = new();
    private readonly Osprey.Modules.Textopsx.Textopsx _x = new();

    [Fact]
    public void ChangeReplyStatusRewritesTheStatusLine()
    {
        var ctx = _h.Run(Reply603, c => Assert.Equal(1, _x.ChangeReplyStatus(c, 404, "Not Found")));
        var m = Forwarded(ctx);
        Assert.Equal(404, m.StatusCode);
        Assert.Equal("Not Found"u8.ToArray(), m.Reason.ToArray());

        ctx = _h.Run(Reply603, c => Assert.Equal(1, _x.ChangeReplyStatusCode(c, 486)));
        m = Forwarded(ctx);
        Assert.Equal(486, m.StatusCode);
        Assert.Equal("Decline"u8.ToArray(), m.Reason.ToArray());
    }

    [Fact]
    public void ARewrittenReplyIsWhatTheUpstreamPeerReceives()
    {
        _h.ForwardReplies = true;
        _h.Run(Reply603, c => Assert.Equal(1, _x.ChangeReplyStatus(c, 404, "Not Found")));
        var sent = Assert.Single(_h.Sent);
        Assert.Equal("192.0.2.7:40000", sent.To.ToString());
        var m = _h.LastSent();
        Assert.Equal(404, m.StatusCode);
        Assert.Equal(1, m.ViaCount); // our Via removed by the forwarder, the edit kept
    }

    [Fact]
    public void ChangeReplyStatusRefusesToChangeTheClassThatDrivesTheTransaction()
    {
        Assert.Equal(-1, _h.Call(Reply603, c => _x.ChangeReplyStatus(c, 200, "OK")));
        Assert.Equal(-1, _h.Call(Reply603, c => _x.ChangeReplyStatus(c, 180, "Ringing")));
        Assert.Equal(-1, _h.Call(Options, c => _x.ChangeReplyStatus(c, 404, "x")));
        var ok = Reply603.Replace("SIP/2.0 603 Decline", "SIP/2.0 200 OK");
        Assert.Equal(-1, _h.Call(ok, c => _x.ChangeReplyStatus(c, 404, "Nope")));
        var ctx = _h.Run(ok, c => Assert.Equal(1, _x.ChangeReplyStatus(c, 202, "Acc")));
        Assert.Equal(202, Forwarded(ctx).StatusCode);
    }

    [Fact]
    public void KeepHfKeepsTheEssentialHeadersAndTheMatchingOnes()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _x.KeepHf(c, "User-Agent")));
        var m = Forwarded(ctx);
        Assert.True(m.Has(HeaderId.UserAgent));
        Assert.True(m.Has(HeaderId.Contact) && m.Has(HeaderId.MaxForwards) && m.Has(HeaderId.ContentType));
        Assert.False(m.Has(HeaderId.Supported));
        Assert.False(m.Has(HeaderId.PAssertedIdentity));

        ctx = _h.Run(Invite, c => _x.KeepHf(c));
        m = Forwarded(ctx);
        Assert.False(m.Has(HeaderId.UserAgent));
        Assert.Equal(35, m.BodyLength);
    }

    [Fact]
    public void HfValueExistsLooksAtEachCommaSeparatedValue()
    {
        Assert.Equal(1, _h.Call(Invite, c => _x.HfValueExists(c, "Supported", "timer")));
        Assert.Equal(1, _h.Call(Invite, c => _x.HfValueExists(c, "supported", "100REL")));
        Assert.Equal(-1, _h.Call(Invite, c => _x.HfValueExists(c, "Supported", "path")));
        Assert.Equal(1, _h.Call(Invite, c => _x.HfValueExists(c, "User_Agent", "TestUA/1.0")));
    }

    [Fact]
    public void RemoveBodyEmptiesItAndFixesContentLength()
    {
        var ctx = _h.Run(Invite, c => Assert.Equal(1, _x.RemoveBody(c)));
        var m = Forwarded(ctx);
        Assert.Equal(0, m.BodyLength);
        Assert.Equal(0, m.ContentLength);
    }

    private const string WithLists = """
        OPTIONS sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.7:40000;branch=z9hG4bK-abc;rport
        Max-Forwards: 70
        From: <sip:alice@example.org>;tag=ft1
        To: <sip:bob@example.com>
        Call-ID: call-1@example.org
        CSeq: 10 OPTIONS
        Supported: 100rel, timer
        Allow: INVITE, ACK, INFO
        Allow: BYE
        Content-Length: 0


        """;

    [Fact]
    public void IncludeAndExcludeHfValueEditAsKamailioDoes()
    {
        // the texts Kamailio 5.6.3 forwards for the same calls
        var ctx = _h.Run(WithLists, c =>
        {
            Assert.Equal(1, _x.IncludeHfValue(c, "Supported", "path"));
            Assert.Equal(1, _x.IncludeHfValue(c, "Supported", "timer"));
            Assert.Equal(1, _x.IncludeHfValue(c, "X-New", "abc"));
            Assert.Equal(1, _x.ExcludeHfValue(c, "Allow", "INFO"));
        });
        var text = ForwardedText(ctx);
        Assert.Contains("\r\nSupported: 100rel, timer,path\r\nAllow: INVITE, ACK\r\nAllow: BYE\r\n", text);
        Assert.Contains("\r\nX-New: abc\r\n\r\n", text);

        ctx = _h.Run(WithLists, c =>
        {
            _x.ExcludeHfValue(c, "Supported", "100rel");
            _x.ExcludeHfValue(c, "Supported", "timer");
        });
        Assert.Contains("\r\nSupported: \r\nAllow: INVITE", ForwardedText(ctx));
        Assert.Equal(-1, _h.Call(WithLists, c => _x.ExcludeHfValue(c, "Supported", "path")));
    }
}

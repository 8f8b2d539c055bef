using System.Text;
using Osprey.Core;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Siputils;

public class SiputilsTests
{
    private readonly ModuleHarness _h = new();
    private readonly Osprey.Modules.Siputils.Siputils _s = new();

    public SiputilsTests()
    {
        _s.Server = _h.Server;
        Assert.Null(_s.Init());
    }

    [Fact]
    public void MessageKindAndToTag()
    {
        Assert.Equal(-1, _h.Call(Invite, _s.HasTotag));
        Assert.Equal(1, _h.Call(Invite.Replace("To: <sip:bob@example.com>", "To: <sip:bob@example.com>;tag=x1"), _s.HasTotag));
        Assert.Equal(1, _h.Call(Invite, _s.IsRequest));
        Assert.Equal(-1, _h.Call(Invite, _s.IsReply));
        Assert.Equal(1, _h.Call(Reply603, _s.IsReply));
    }

    [Fact]
    public void OptionsReplyAnswersOptionsToTheServerWithTheCapabilityHeaders()
    {
        Assert.Equal(1, _h.Call(Options, _s.OptionsReply));
        var reply = _h.LastSent();
        Assert.Equal(200, reply.StatusCode);
        var text = _h.LastSentText();
        Assert.Contains("\r\nAccept: */*\r\nAccept-Encoding: \r\nAccept-Language: en\r\nSupported: \r\n", text);
        Assert.True(reply.To.HasTag);

        int sent = _h.Sent.Count;
        Assert.Equal(-1, _h.Call(Options.Replace("OPTIONS sip:example.com", "OPTIONS sip:bob@example.com"), _s.OptionsReply));
        Assert.Equal(-1, _h.Call(Invite, _s.OptionsReply));
        Assert.Equal(sent, _h.Sent.Count);
    }

    [Fact]
    public void OptionsReplyCarriesAppendToReplyHeaders()
    {
        var t = new Osprey.Modules.Textops.Textops();
        _h.Run(Options, c =>
        {
            t.AppendToReply(c, "X-Node: a1\r\n");
            Assert.Equal(1, _s.OptionsReply(c));
        });
        var reply = _h.LastSent();
        Assert.Equal("a1", reply.ValueString(reply.IndexOf("X-Node"u8)));
    }

    [Fact]
    public void FirstHopOfARequestHasOneVia()
    {
        Assert.Equal(1, _h.Call(Invite, _s.IsFirstHop));
        var twoVias = Invite.Replace("Max-Forwards: 70", "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK-2\nMax-Forwards: 70");
        Assert.Equal(-1, _h.Call(twoVias, _s.IsFirstHop));
    }

    [Fact]
    public void FirstHopOfAReplyHasOurRecordRouteOnTop()
    {
        var reply = Reply603.Replace("Content-Length: 0", "Record-Route: <sip:10.0.0.1;lr>\nContent-Length: 0");
        Assert.Equal(1, _h.Call(reply, _s.IsFirstHop));
        Assert.Equal(-1, _h.Call(Reply603, _s.IsFirstHop));
        var domain = Reply603.Replace("Content-Length: 0", "Record-Route: <sip:proxy.example.com;lr>\nContent-Length: 0");
        var h = new ModuleHarness(new CoreSettings { ServerHeader = "", Aliases = { "proxy.example.com" } });
        _s.Server = h.Server;
        Assert.Equal(-1, h.Call(domain, c => _s.IsFirstHop(c, 0)));
        Assert.Equal(1, h.Call(domain, c => _s.IsFirstHop(c, 1)));
    }

    [Fact]
    public void UriParamFunctionsReadAndEditTheRequestUri()
    {
        var req = Invite.Replace("INVITE sip:bob@example.com SIP/2.0", "INVITE sip:bob@example.com;lr;transport=tcp SIP/2.0");
        Assert.Equal(1, _h.Call(req, c => _s.UriParam(c, "lr")));
        Assert.Equal(-1, _h.Call(req, c => _s.UriParam(c, "transport")));
        Assert.Equal(1, _h.Call(req, c => _s.UriParam(c, "transport", "tcp")));
        Assert.Equal(1, _h.Call(req, c => _s.UriParamAny(c, "transport")));
        Assert.Equal(-1, _h.Call(req, c => _s.UriParamAny(c, "maddr")));

        var ctx = _h.Run(req, c =>
        {
            Assert.Equal(1, _s.AddUriParam(c, "user=phone"));
            Assert.Equal(1, _s.UriParam(c, "user", "phone"));
            Assert.Equal(1, _s.UriParamRm(c, "transport"));
        });
        Assert.Equal("sip:bob@example.com;lr;user=phone", ctx.NewRequestUri);
    }

    [Fact]
    public void SupportedAndGruu()
    {
        Assert.Equal(1, _h.Call(Invite, c => _s.IsSupported(c, "timer")));
        Assert.Equal(-1, _h.Call(Invite, c => _s.IsSupported(c, "outbound")));
        Assert.Equal(1, _s.IsGruu(null!, "sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
        Assert.Equal(2, _s.IsGruu(null!, "sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@example.com;gr"));
        Assert.Equal(-1, _s.IsGruu(null!, "sip:alice@example.com"));
    }

    [Fact]
    public void IsUserReadsTheCredentialsUsername()
    {
        var req = Invite.Replace("Max-Forwards: 70", "Max-Forwards: 70\nProxy-Authorization: Digest username=\"alice\", realm=\"example.org\", nonce=\"n\", uri=\"sip:bob@example.com\", response=\"0123456789abcdef0123456789abcdef\"");
        Assert.Equal(1, _h.Call(req, c => _s.IsUser(c, "alice")));
        Assert.Equal(-1, _h.Call(req, c => _s.IsUser(c, "bob")));
        Assert.Equal(-1, _h.Call(Invite, c => _s.IsUser(c, "alice")));
    }

    [Theory]
    [InlineData("+358401234567", 1, 1, 1)]
    [InlineData("+1", -1, 1, 1)]
    [InlineData("0401234567", -1, 1, 1)]
    [InlineData("+12345678901234567", -1, 1, 1)]
    [InlineData("12ab", -1, -1, -1)]
    [InlineData("", -1, -1, -1)]
    public void NumberTests(string s, int e164, int tel, int numericWithoutPlus)
    {
        Assert.Equal(e164, _s.IsE164(null!, s));
        Assert.Equal(tel, _s.IsTelNumber(null!, s));
        Assert.Equal(numericWithoutPlus, _s.IsNumeric(null!, s.TrimStart('+')));
    }

    [Fact]
    public void AlphanumAndUriTests()
    {
        Assert.Equal(1, _s.IsAlphanum(null!, "abc123"));
        Assert.Equal(-1, _s.IsAlphanum(null!, "abc-123"));
        Assert.Equal(1, _s.IsAlphanumEx(null!, "abc-123", "-_"));
        Assert.Equal(1, _s.IsUriUserE164(null!, "sip:+358401234567@example.com"));
        Assert.Equal(-1, _s.IsUriUserE164(null!, "sip:alice@example.com"));
        Assert.Equal(1, _s.IsUri(null!, "sip:alice@example.com"));
        Assert.Equal(-1, _s.IsUri(null!, "not a uri"));
    }

    [Fact]
    public void CmpUriFollowsRfc3261AndCmpAorIgnoresParameters()
    {
        Assert.Equal(1, _s.CmpUri(null!, "sip:alice@EXAMPLE.com;transport=udp", "sip:alice@example.com;transport=UDP"));
        Assert.Equal(-1, _s.CmpUri(null!, "sip:alice@example.com", "sip:alice@example.com:5060"));
        Assert.Equal(-1, _s.CmpUri(null!, "sip:Alice@example.com", "sip:alice@example.com"));
        Assert.Equal(1, _s.CmpAor(null!, "kamailio@KaMaIlIo.org", "sip:kamailio@kamailio.org;transport=tcp"));
        Assert.Equal(1, _s.CmpAor(null!, "sip:%61lice@example.com", "sip:alice@example.com:5060"));
        Assert.Equal(-1, _s.CmpAor(null!, "sip:alice@example.com", "sip:bob@example.com"));
    }

    [Fact]
    public void TelToSipFollowsRfc3261Section19_1_6()
    {
        Assert.Equal("sip:+34999888777@foo.com;user=phone", Osprey.Modules.Siputils.Siputils.TelToSip("tel:+(34)-999-888-777", "foo.com", out int c1));
        Assert.Equal(1, c1);
        Assert.Equal("sip:+12345678;ext=200;isub=+123-456@foo.com;user=phone", Osprey.Modules.Siputils.Siputils.TelToSip("tel:+12-(34)-56-78;Ext=200;ISUB=+123-456", "foo.com", out _));
        Assert.Equal("sip:a@b", Osprey.Modules.Siputils.Siputils.TelToSip("sip:a@b", "foo.com", out int c2));
        Assert.Equal(2, c2);
    }
}

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
}

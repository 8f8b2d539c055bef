using Osprey.Core;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Kex;

public class KexTests
{
    private readonly ModuleHarness _h = new(new CoreSettings { ServerHeader = "", Aliases = { "sip.example.net" } });
    private readonly Osprey.Modules.Kex.Kex _k = new();

    [Fact]
    public void ScriptFlagsAreSetTestedResetAndForgottenWithTheMessage()
    {
        _h.Run(Invite, c =>
        {
            Assert.Equal(-1, _k.IsSFlagSet(c, 5));
            Assert.Equal(1, _k.SetSFlag(c, 5));
            Assert.Equal(1, _k.SetSFlag(c, 63));
            Assert.Equal(1, _k.IsSFlagSet(c, 5));
            Assert.Equal(1, _k.IsSFlagSet(c, 63));
            Assert.Equal(1, _k.ResetSFlag(c, 5));
            Assert.Equal(-1, _k.IsSFlagSet(c, 5));
            Assert.Equal(-1, _k.SetSFlag(c, 64));
            Assert.Equal(0ul, c.Flags); // message flags are separate
        });
        _h.Run(Invite, c => Assert.Equal(-1, _k.IsSFlagSet(c, 63)));
    }

    [Fact]
    public void DestinationUri()
    {
        var ctx = _h.Run(Invite, c =>
        {
            Assert.Equal(-1, _k.IsDstUriSet(c));
            Assert.Equal(1, _k.SetDstUri(c, "sip:10.1.1.1:5070;transport=tcp"));
            Assert.Equal(1, _k.IsDstUriSet(c));
            Assert.Equal(-1, _k.SetDstUri(c, "not a uri"));
        });
        Assert.Equal("sip:10.1.1.1:5070;transport=tcp", ctx.DestinationUri);
        ctx = _h.Run(Invite, c =>
        {
            _k.SetDstUri(c, "sip:10.1.1.1");
            Assert.Equal(1, _k.ResetDstUri(c));
            Assert.Equal(-1, _k.IsDstUriSet(c));
        });
        Assert.Null(ctx.DestinationUri);
    }

    [Fact]
    public void IsMyselfKnowsListenAddressesAndAliases()
    {
        _h.Run(Invite, c =>
        {
            Assert.Equal(1, _k.IsMyself(c, "sip:10.0.0.1:5060"));
            Assert.Equal(1, _k.IsMyself(c, "sip:bob@10.0.0.1"));
            Assert.Equal(-1, _k.IsMyself(c, "sip:10.0.0.1:5070"));
            Assert.Equal(1, _k.IsMyself(c, "sip:alice@SIP.example.net;transport=udp"));
            Assert.Equal(-1, _k.IsMyself(c, "sip:example.com"));
            Assert.Equal(-1, _k.IsMyself(c, "garbage"));
        });
    }
}

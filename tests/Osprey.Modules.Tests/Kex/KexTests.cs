using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Kex;

public class KexTests
{
    private readonly ModuleHarness _h = new();
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
}

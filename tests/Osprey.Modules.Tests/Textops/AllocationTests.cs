using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Textops;

/// <summary>The hot-path promise: once a pattern is compiled and pools are warm, the common tests and
/// edits allocate nothing per call.</summary>
public class AllocationTests
{
    [Fact]
    public void CommonFunctionsAllocateNothingOnceWarm()
    {
        var h = new ModuleHarness();
        var t = new Osprey.Modules.Textops.Textops();
        var sanity = new Osprey.Modules.Sanity.Sanity { Server = h.Server };
        sanity.Init();
        var su = new Osprey.Modules.Siputils.Siputils { Server = h.Server };
        su.Init();
        long allocated = -1;
        h.Run(Invite, c =>
        {
            void Round()
            {
                t.IsMethod(c, "INVITE|REGISTER");
                t.IsPresentHf(c, "User-Agent");
                t.IsPresentHfRe(c, "^P-");
                t.RemoveHf(c, "X-None");
                t.Search(c, "testua/[0-9]");
                t.SearchBody(c, "^o=alice");
                t.HasBody(c, "application/sdp");
                su.HasTotag(c);
                su.IsSupported(c, "timer");
                sanity.SanityCheck(c);
            }
            for (int i = 0; i < 100; i++) Round();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) Round();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        // 1000 calls: one allocation per call would be at least 24 KB; the runtime itself (tiered JIT)
        // has been seen to allocate ~100 bytes once in such a loop
        Assert.True(allocated < 1024, allocated + " bytes allocated by 1000 calls");
    }

    [Fact]
    public void HeaderEditsAllocateNothingOnceWarm()
    {
        var h = new ModuleHarness();
        var t = new Osprey.Modules.Textops.Textops();
        long allocated = -1;
        h.Run(Invite, c =>
        {
            void Round()
            {
                t.AppendHf(c, "X-Hint: voicemail\r\n");
                t.InsertHf(c, "X-Top: 1\r\n");
                t.RemoveHf(c, "P-Charge-Info");
                t.Replace(c, "TestUA", "OtherUA");
            }
            // warm: compiled patterns, pooled buffers, JIT tiers (one-off allocations seen on second calls)
            Round();
            Round();
            // a realistic number of edits for one message (12; the editor's arrays grow, amortized, beyond 16)
            long before = GC.GetAllocatedBytesForCurrentThread();
            Round();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }
}

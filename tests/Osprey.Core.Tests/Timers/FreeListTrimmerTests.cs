using Osprey.Core.Timers;

namespace Osprey.Core.Tests.Timers;

public class FreeListTrimmerTests
{
    /// <summary>A pool of <paramref name="free"/> items driven through one trim interval: takes, then returns.</summary>
    private static int Interval(ref FreeListTrimmer t, ref int free, int take, int give)
    {
        for (int i = 0; i < take; i++)
        {
            if (free > 0) t.Took(--free);
            else t.Missed();
        }
        free += give;
        int drop = t.Trim(free);
        free -= drop;
        return drop;
    }

    [Fact]
    public void A_lull_keeps_what_it_gave_back_for_the_calls_that_follow()
    {
        var t = new FreeListTrimmer();
        // steady load: 1000 taken and 1000 given back per interval, 200 to spare
        int free = 1200;
        for (int i = 0; i < 10; i++) Interval(ref t, ref free, 1000, 1000);
        Assert.InRange(free, 1000, 1200);
        // a lull of two intervals: the lingering transactions give back 5000, nothing is taken
        // (only what was spare before it keeps shrinking)
        Assert.InRange(Interval(ref t, ref free, 0, 5000) + Interval(ref t, ref free, 0, 0), 0, 100);
        // calls resume: for two intervals (a transaction lifetime) takes run ahead of returns; what the
        // lull gave back is what they need (a trim by each interval's lowest point would drop ~1,500)
        int dropped = Interval(ref t, ref free, 2000, 0) + Interval(ref t, ref free, 2000, 0);
        Assert.True(dropped <= 100, $"dropped {dropped} of the buffers the resumed calls are about to need");
    }

    [Fact]
    public void A_lasting_surplus_goes_a_quarter_at_a_time_and_an_idle_pool_goes_entirely()
    {
        var t = new FreeListTrimmer();
        int free = 8000;
        // 8000 free, 1000 used per interval: after a window of history the surplus shrinks
        for (int i = 0; i < FreeListTrimmer.Window; i++) Interval(ref t, ref free, 1000, 1000);
        int drop = Interval(ref t, ref free, 1000, 1000);
        Assert.InRange(drop, 1, 7000 / 4 + 1);
        for (int i = 0; i < 30; i++) Interval(ref t, ref free, 1000, 1000);
        Assert.InRange(free, 1000, 1400);
        // idle: nothing taken for IdleTrims intervals, then nothing kept
        for (int i = 0; i < FreeListTrimmer.IdleTrims - 1; i++) Assert.Equal(0, Interval(ref t, ref free, 0, 0));
        int left = free;
        Assert.Equal(left, Interval(ref t, ref free, 0, 0));
        Assert.Equal(0, free);
    }
}

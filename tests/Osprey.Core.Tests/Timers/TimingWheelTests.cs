using Osprey.Core.Timers;

namespace Osprey.Core.Tests.Timers;

public class TimingWheelTests
{
    private static TimingWheel Manual(int slots = 16, Action<Exception>? onError = null)
        => new(new TimingWheelOptions { Tick = TimeSpan.FromMilliseconds(10), SlotCount = slots, OnCallbackException = onError }, startThread: false);

    private static readonly Action<object?> AddToList = static s => ((Probe)s!).Fire();

    private sealed class Probe
    {
        private int _fired;
        public List<int>? Log;
        public int Id;

        public int Fired => Volatile.Read(ref _fired);

        public void Fire()
        {
            Interlocked.Increment(ref _fired);
            Log?.Add(Id);
        }
    }

    [Fact]
    public void Fires_at_the_tick_after_the_delay_rounded_up()
    {
        using var wheel = Manual();
        var p = new Probe();
        wheel.Schedule(TimeSpan.FromMilliseconds(35), AddToList, p);
        Assert.Equal(1, wheel.Pending);
        Assert.Equal(0, wheel.AdvanceTicks(3));
        Assert.Equal(0, p.Fired);
        Assert.Equal(1, wheel.AdvanceTicks(1));
        Assert.Equal(1, p.Fired);
        Assert.Equal(0, wheel.Pending);
        Assert.Equal(0, wheel.AdvanceTicks(40));
        Assert.Equal(1, p.Fired);
    }

    [Fact]
    public void Zero_delay_fires_on_the_next_tick()
    {
        using var wheel = Manual();
        var p = new Probe();
        wheel.Schedule(TimeSpan.Zero, AddToList, p);
        Assert.Equal(1, wheel.AdvanceTicks(1));
    }

    [Fact]
    public void Far_deadlines_wait_their_round()
    {
        using var wheel = Manual(slots: 8);
        var p = new Probe();
        wheel.Schedule(TimeSpan.FromMilliseconds(1000), AddToList, p); // 100 ticks, 12.5 revolutions
        Assert.Equal(0, wheel.AdvanceTicks(99));
        Assert.Equal(0, p.Fired);
        Assert.Equal(1, wheel.AdvanceTicks(1));
        Assert.Equal(1, p.Fired);
    }

    [Fact]
    public void Same_tick_fires_in_scheduling_order()
    {
        using var wheel = Manual();
        var log = new List<int>();
        for (int i = 0; i < 5; i++)
        {
            wheel.Schedule(TimeSpan.FromMilliseconds(20 - i), AddToList, new Probe { Id = i, Log = log });
        }

        wheel.AdvanceTicks(2);
        Assert.Equal([0, 1, 2, 3, 4], log);
    }

    [Fact]
    public void Cancel_before_fire_after_fire_and_twice()
    {
        using var wheel = Manual();
        var p = new Probe();
        var h = wheel.Schedule(TimeSpan.FromMilliseconds(50), AddToList, p);
        Assert.True(wheel.Cancel(h));
        Assert.False(wheel.Cancel(h));
        Assert.Equal(0, wheel.Pending);
        wheel.AdvanceTicks(10);
        Assert.Equal(0, p.Fired);

        var h2 = wheel.Schedule(TimeSpan.FromMilliseconds(10), AddToList, p);
        wheel.AdvanceTicks(1);
        Assert.Equal(1, p.Fired);
        Assert.False(wheel.Cancel(h2));
        Assert.False(wheel.Cancel(default));
    }

    [Fact]
    public void Stale_handle_does_not_cancel_the_reused_entry()
    {
        using var wheel = Manual();
        var a = new Probe();
        var b = new Probe();
        var ha = wheel.Schedule(TimeSpan.FromMilliseconds(10), AddToList, a);
        Assert.True(wheel.Cancel(ha));
        var hb = wheel.Schedule(TimeSpan.FromMilliseconds(10), AddToList, b); // reuses the pooled entry
        Assert.Same(ha.Entry, hb.Entry);
        Assert.NotEqual(ha, hb);
        Assert.False(wheel.Cancel(ha));
        wheel.AdvanceTicks(1);
        Assert.Equal(1, b.Fired);
    }

    [Fact]
    public void Callback_can_reschedule_and_exceptions_do_not_stop_the_wheel()
    {
        var errors = new List<Exception>();
        using var wheel = Manual(onError: errors.Add);
        var p = new Probe();
        int rounds = 0;
        Action<object?>? again = null;
        again = s =>
        {
            if (++rounds < 3)
            {
                wheel.Schedule(TimeSpan.FromMilliseconds(20), again!, s);
            }
        };
        wheel.Schedule(TimeSpan.FromMilliseconds(10), again, null);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), static _ => throw new InvalidOperationException("boom"), null);
        wheel.Schedule(TimeSpan.FromMilliseconds(10), AddToList, p);
        wheel.AdvanceTicks(10);
        Assert.Equal(3, rounds);
        Assert.Equal(1, p.Fired);
        Assert.Single(errors);
    }

    [Fact]
    public void Steady_state_schedule_and_fire_allocate_nothing()
    {
        using var wheel = Manual(slots: 64);
        var p = new Probe();
        for (int i = 0; i < 100; i++)
        {
            wheel.Schedule(TimeSpan.FromMilliseconds(10 * ((i % 7) + 1)), AddToList, p);
        }

        wheel.AdvanceTicks(10);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                var h = wheel.Schedule(TimeSpan.FromMilliseconds(10 * ((i % 7) + 1)), AddToList, p);
                if (i % 3 == 0)
                {
                    wheel.Cancel(h);
                }
            }

            wheel.AdvanceTicks(10);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Concurrent_schedule_and_cancel_while_ticking()
    {
        using var wheel = Manual(slots: 32);
        const int Threads = 4;
        const int PerThread = 20000;
        var probes = new Probe[Threads * PerThread];
        for (int i = 0; i < probes.Length; i++)
        {
            probes[i] = new Probe();
        }

        int cancelled = 0;
        using var stop = new ManualResetEventSlim();
        var ticker = Task.Run(() =>
        {
            while (!stop.IsSet)
            {
                wheel.AdvanceTicks(1);
            }
        });
        var workers = new Task[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int tt = t;
            workers[t] = Task.Run(() =>
            {
                var rng = new Random(tt);
                for (int i = 0; i < PerThread; i++)
                {
                    var probe = probes[(tt * PerThread) + i];
                    var h = wheel.Schedule(TimeSpan.FromMilliseconds(rng.Next(0, 2000)), AddToList, probe);
                    if ((i & 1) == 0 && wheel.Cancel(h))
                    {
                        Interlocked.Increment(ref cancelled);
                        probe.Id = -1; // cancelled: must never fire
                    }
                }
            });
        }

        Task.WaitAll(workers);
        stop.Set();
        ticker.Wait();
        wheel.AdvanceTicks(300); // past the longest delay

        int fired = 0;
        foreach (var p in probes)
        {
            Assert.True(p.Fired <= 1);
            if (p.Id == -1)
            {
                Assert.Equal(0, p.Fired);
            }

            fired += p.Fired;
        }

        Assert.Equal(probes.Length - cancelled, fired);
        Assert.Equal(0, wheel.Pending);
        Assert.True(cancelled > 0);
    }

    [Fact]
    public void Thread_driven_wheel_fires_and_dispose_stops_it()
    {
        var wheel = new TimingWheel(new TimingWheelOptions { Tick = TimeSpan.FromMilliseconds(5), SlotCount = 64 });
        using var done = new ManualResetEventSlim();
        wheel.Schedule(TimeSpan.FromMilliseconds(20), static s => ((ManualResetEventSlim)s!).Set(), done);
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        wheel.Dispose();
        Assert.Throws<ObjectDisposedException>(() => wheel.Schedule(TimeSpan.Zero, AddToList, new Probe()));
    }
}

using Osprey.Core.Stats;

namespace Osprey.Core.Tests.Stats;

public class StatsRegistryTests
{
    [Fact]
    public void Counts_from_many_threads()
    {
        var registry = new StatsRegistry();
        var c = registry.RegisterCounter("core", "rcv_requests");
        const int Threads = 8, Per = 100_000;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            for (int i = 0; i < Per; i++)
            {
                c.Increment();
            }
        });
        c.Add(5);
        Assert.Equal((Threads * Per) + 5, c.Read());
    }

    [Fact]
    public void Lookup_forms_and_registration_order()
    {
        var registry = new StatsRegistry();
        var a = registry.RegisterCounter("core", "rcv_requests");
        var g = registry.RegisterGauge("usrloc", "registered_users");
        var b = registry.RegisterCounter("core", "rcv_replies");
        var dup = registry.RegisterCounter("tm", "rcv_replies");

        Assert.True(registry.TryGet("core:rcv_requests", out var s1));
        Assert.Same(a, s1);
        Assert.True(registry.TryGet("CORE:RCV_REQUESTS".AsSpan(), out var s2));
        Assert.Same(a, s2);
        Assert.True(registry.TryGet("registered_users", out var s3));
        Assert.Same(g, s3);
        Assert.True(registry.TryGet("rcv_replies", out var s4)); // bare name: first registered
        Assert.Same(b, s4);
        Assert.True(registry.TryGet("tm:rcv_replies", out var s5));
        Assert.Same(dup, s5);
        Assert.False(registry.TryGet("core:nope", out _));
        Assert.False(registry.TryGet("nope", out _));

        Assert.Equal(4, registry.All.Length);
        Assert.Equal(["core", "usrloc", "tm"], registry.Groups.ToArray().Select(x => x.Name));
        Assert.True(registry.TryGetGroup("core:", out var core));
        Assert.Equal(["core:rcv_requests", "core:rcv_replies"], core.Statistics.ToArray().Select(x => x.FullName));
        Assert.Throws<InvalidOperationException>(() => registry.RegisterCounter("core", "rcv_requests"));
    }

    [Fact]
    public void Reset_skips_no_reset_and_computed()
    {
        var registry = new StatsRegistry();
        var c = registry.RegisterCounter("core", "a");
        var keep = registry.RegisterCounter("core", "b", StatFlags.NoReset);
        var gauge = registry.RegisterGauge("shmem", "used_size", StatFlags.NoReset);
        var g2 = registry.RegisterGauge("shmem", "fragments");
        var box = new long[] { 42 };
        var computed = registry.RegisterComputed("usrloc", "location_contacts", static s => ((long[])s!)[0], box);
        c.Add(3);
        keep.Add(4);
        gauge.Set(100);
        g2.Set(7);
        g2.Decrement();

        Assert.Equal(42, computed.Read());
        box[0] = 43;
        Assert.Equal(43, computed.Read());
        Assert.Equal(2, registry.ResetAll());
        Assert.Equal(0, c.Read());
        Assert.Equal(4, keep.Read());
        Assert.Equal(100, gauge.Read());
        Assert.Equal(0, g2.Read());
        Assert.Equal(StatKind.Computed, computed.Kind);

        c.Increment();
        Assert.Equal(1, registry.ResetGroup("shmem")); // fragments; used_size is no-reset
        Assert.Equal(1, registry.ResetGroup("core:"));
        Assert.Equal(0, c.Read());
    }

    [Fact]
    public void Reading_and_enumerating_allocate_nothing()
    {
        var registry = new StatsRegistry();
        var core = new CoreStatistics(registry);
        core.CountRequest("INVITE"u8);
        long sum = 0;
        _ = registry.TryGet("core:rcv_requests", out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var g in registry.Groups)
        {
            foreach (var s in g.Statistics)
            {
                sum += s.Read();
            }
        }

        foreach (var s in registry.All)
        {
            sum += s.Read();
        }

        registry.TryGet("core:rcv_requests".AsSpan(), out var found);
        core.CountReply(180, "INVITE"u8);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotNull(found);
        Assert.Equal(4, sum);
    }

    [Fact]
    public void Core_group_has_kamailio_names_and_counts_by_method_and_class()
    {
        var registry = new StatsRegistry();
        var core = new CoreStatistics(registry);
        core.CountRequest("INVITE"u8);
        core.CountRequest("REGISTER"u8);
        core.CountRequest("FOO"u8);
        core.CountReply(183, "INVITE"u8);
        core.CountReply(401, "REGISTER"u8);
        core.CountReply(486, "INVITE"u8);
        core.CountReply(200, "OPTIONS"u8);

        long Get(string n) => registry.TryGet(n, out var s) ? s.Read() : -1;
        Assert.Equal(3, Get("core:rcv_requests"));
        Assert.Equal(1, Get("core:rcv_requests_invite"));
        Assert.Equal(1, Get("core:rcv_requests_register"));
        Assert.Equal(4, Get("core:rcv_replies"));
        Assert.Equal(1, Get("core:rcv_replies_1xx"));
        Assert.Equal(1, Get("core:rcv_replies_18x"));
        Assert.Equal(2, Get("core:rcv_replies_4xx"));
        Assert.Equal(1, Get("core:rcv_replies_401"));
        Assert.Equal(1, Get("core:rcv_replies_486"));
        Assert.Equal(1, Get("core:rcv_replies_4xx_reg"));
        Assert.Equal(1, Get("core:rcv_replies_4xx_invite"));
        Assert.Equal(1, Get("core:rcv_replies_1xx_invite"));
        Assert.Equal(1, Get("core:rcv_replies_2xx"));
        foreach (var name in new[] { "fwd_requests", "fwd_replies", "drop_requests", "drop_replies", "err_requests", "err_replies", "bad_URIs_rcvd", "unsupported_methods", "bad_msg_hdr", "rcv_replies_6xx_refer", "rcv_requests_publish" })
        {
            Assert.Equal(0, Get("core:" + name));
        }

        Assert.True(registry.TryGetGroup("core", out var g));
        Assert.Equal(11 + 14 + 12 + 48, g.Statistics.Length);
        Assert.Equal("rcv_requests", g.Statistics[0].Name);
        Assert.Equal("bad_msg_hdr", g.Statistics[10].Name);
    }
}

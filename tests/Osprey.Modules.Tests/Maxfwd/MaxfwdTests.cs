using Osprey.Modules.Maxfwd;
using Osprey.Modules.Tests.Tm;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Maxfwd;

public class MaxfwdTests
{
    private static List<int> Run(string request, Func<MaxfwdModule, Core.Pipeline.MessageContext, int>[] steps, out TmHarness h)
    {
        var harness = new TmHarness();
        var mf = new MaxfwdModule { Server = harness.Server };
        var results = new List<int>();
        harness.Router.Request = ctx =>
        {
            foreach (var s in steps) results.Add(s(mf, ctx));
            ctx.DestinationUri = "sip:" + Uas;
            harness.Tm.TRelay(ctx);
        };
        harness.FromUac(request);
        h = harness;
        return results;
    }

    [Fact]
    public void Decrements_an_existing_header()
    {
        var r = Run(Invite(), [(m, c) => m.Process(c, 10), (m, c) => m.IsLessThan(c, 70), (m, c) => m.IsLessThan(c, 69)], out var h);
        Assert.Equal([1, 1, -1], r);
        Assert.Equal(69, h.Net.To(Uas)[0].MaxForwards);
    }

    [Fact]
    public void Adds_the_header_when_missing_and_lowers_values_above_max_limit()
    {
        var r = Run(Invite().Replace("Max-Forwards: 70\r\n", "", StringComparison.Ordinal), [(m, c) => m.Process(c, 10), (m, c) => m.IsLessThan(c, 11)], out var h);
        Assert.Equal([2, 1], r);
        Assert.Equal(10, h.Net.To(Uas)[0].MaxForwards);
        Run(Invite().Replace("Max-Forwards: 70", "Max-Forwards: 200", StringComparison.Ordinal), [(m, c) => m.Process(c, 10)], out h);
        Assert.Equal(70, h.Net.To(Uas)[0].MaxForwards); // max_limit caps what leaves
    }

    [Fact]
    public void Zero_is_refused()
    {
        var r = Run(Invite().Replace("Max-Forwards: 70", "Max-Forwards: 0", StringComparison.Ordinal), [(m, c) => m.Process(c, 10)], out _);
        Assert.Equal([-1], r);
    }
}

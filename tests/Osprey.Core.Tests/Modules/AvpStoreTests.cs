using Osprey.Core.Modules;

namespace Osprey.Core.Tests.Modules;

public class AvpStoreTests
{
    [Fact]
    public void Values_stack_per_name_newest_first()
    {
        var s = new AvpStore();
        s.Push("a", PvValue.FromInt(1));
        s.Push("b", PvValue.FromString("x"));
        s.Push("a", PvValue.FromString("two"));
        Assert.Equal(PvValue.FromString("two"), s.Get("a"));
        Assert.Equal(PvValue.FromInt(1), s.Get("a", 1));
        Assert.True(s.Get("a", 2).IsNull);
        Assert.True(s.Get("a", -1).IsNull);
        Assert.Equal(2, s.CountOf("a"));
        Assert.True(s.Remove("a"));
        Assert.Equal(PvValue.FromInt(1), s.Get("a"));
        Assert.True(s.Replace("a", 0, PvValue.FromInt(9)));
        Assert.Equal(PvValue.FromInt(9), s.Get("a"));
        s.RemoveAll("a");
        Assert.Equal(0, s.CountOf("a"));
        Assert.Equal(PvValue.FromString("x"), s.Get("b"));
        s.Clear();
        Assert.Equal(0, s.Count);
    }

    [Fact]
    public void Grows_past_its_initial_capacity()
    {
        var s = new AvpStore();
        for (int i = 0; i < 100; i++) s.Push("n", PvValue.FromInt(i));
        Assert.Equal(PvValue.FromInt(99), s.Get("n"));
        Assert.Equal(PvValue.FromInt(0), s.Get("n", 99));
    }

    [Fact]
    public void Xavp_items_hold_fields()
    {
        var x = new XavpStore();
        var first = x.Push("r");
        first.Fields.Add(new("a", PvValue.FromInt(1)));
        var second = x.Push("r");
        second.Fields.Add(new("a", PvValue.FromInt(2)));
        Assert.Same(second, x.Get("r"));
        Assert.Same(first, x.Get("r", 1));
        Assert.Equal(PvValue.FromInt(2), x.Get("r")!.Get("a"));
        Assert.Equal(2, x.CountOf("r"));
        x.Remove(second);
        Assert.Same(first, x.Get("r"));
        x.RemoveAll("r");
        Assert.Null(x.Get("r"));
    }

    [Fact]
    public void Destination_set_keeps_branches()
    {
        var d = new Osprey.Core.Pipeline.DestinationSet();
        d.Add("sip:a@b", "sip:proxy", 500, flags: 4);
        Assert.Equal(1, d.Count);
        var b = d[0];
        Assert.Equal(("sip:a@b", "sip:proxy", 500, 4UL), (b.Uri, b.DestinationUri, b.Q, b.Flags));
        d.RemoveAt(0);
        Assert.Equal(0, d.Count);
    }
}

using Osprey.Core.Modules;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

/// <summary>$T(name) of tmx, read in the routes where Kamailio's scripts use it.</summary>
public class TransactionPvTests
{
    [Fact]
    public void Failure_route_sees_the_timeout_as_a_local_408_after_a_received_180()
    {
        var h = new TmHarness();
        var seen = new Dictionary<string, PvValue>();
        h.Router.Request = ctx =>
        {
            Assert.True(h.Tm.T(ctx, "id_index").IsNull); // no transaction yet
            long index = h.Tm.T(ctx, "id_index_n").Int; // creates it
            Assert.Equal(index, h.Tm.T(ctx, "id_index").Int);
            Assert.True(h.Tm.T(ctx, "id_label").IsInt);
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TOnFailure(ctx, "f");
            h.Tm.TRelay(ctx);
        };
        h.Router.Routes[(RouteTypes.Failure, "f")] = ctx =>
        {
            foreach (var n in new[] { "reply_code", "reply_reason", "reply_last", "branch_index", "reply_type" }) seen[n] = h.Tm.T(ctx, n);
            return 1;
        };
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 180, "Ringing", "t1"));
        h.Clock.Advance(125_000);
        Assert.Equal(408L, seen["reply_code"].Int);
        Assert.Equal("Request Timeout", seen["reply_reason"].Str);
        Assert.Equal(180L, seen["reply_last"].Int);
        Assert.Equal(0L, seen["branch_index"].Int);
        Assert.Equal(1L, seen["reply_type"].Int);
    }

    [Fact]
    public void Failure_route_sees_a_received_reply_and_onreply_route_its_branch()
    {
        var h = new TmHarness();
        var seen = new Dictionary<string, PvValue>();
        var branches = new List<long>();
        h.Router.Request = ctx =>
        {
            ctx.NewRequestUri = "sip:bob@" + Uas;
            ctx.Branches.Add("sip:bob@" + Uas2);
            h.Tm.TOnFailure(ctx, "f");
            h.Tm.TOnReply(ctx, "r");
            h.Tm.TRelay(ctx);
        };
        h.Router.Routes[(RouteTypes.OnReply, "r")] = ctx =>
        {
            branches.Add(h.Tm.T(ctx, "branch_index").Int);
            Assert.Equal(ctx.Message.StatusCode, h.Tm.T(ctx, "reply_code").Int);
            return 1;
        };
        h.Router.Routes[(RouteTypes.Failure, "f")] = ctx =>
        {
            foreach (var n in new[] { "reply_code", "reply_reason", "reply_last", "reply_type" }) seen[n] = h.Tm.T(ctx, n);
            return 1;
        };
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas2)[0], 486, "Busy Here", "t2"), Uas2);
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 404, "Not Found", "t1"));
        Assert.Equal([1L, 0L], branches);
        Assert.Equal(404L, seen["reply_code"].Int);
        Assert.Equal("Not Found", seen["reply_reason"].Str);
        Assert.Equal(404L, seen["reply_last"].Int);
        Assert.Equal(0L, seen["reply_type"].Int);
        Assert.True(h.Tm.T(NewContext(h), "reply_code").IsNull);
    }

    private static Osprey.Core.Pipeline.MessageContext NewContext(TmHarness h)
    {
        Osprey.Core.Pipeline.MessageContext? captured = null;
        h.Router.Request = ctx => captured = ctx;
        h.FromUac(Invite(branch: "z9hG4bKother", callId: "other"));
        return captured!;
    }
}

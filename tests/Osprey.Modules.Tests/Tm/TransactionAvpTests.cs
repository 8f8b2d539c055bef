using Osprey.Core.Modules;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

/// <summary>$avp and $xavp live with the transaction: branch, reply and failure routes see what the
/// request route set, before and after t_relay.</summary>
public class TransactionAvpTests
{
    [Fact]
    public void Avps_of_the_request_route_are_seen_in_branch_reply_and_failure_routes()
    {
        var h = new TmHarness();
        var seen = new List<string>();
        h.Router.Request = ctx =>
        {
            ctx.Avps.Push("caller", PvValue.FromString("alice"));
            ctx.Xavps.Push("call").Fields.Add(new("id", PvValue.FromInt(7)));
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TOnBranch(ctx, "b");
            h.Tm.TOnReply(ctx, "r");
            h.Tm.TOnFailure(ctx, "f");
            h.Tm.TRelay(ctx);
            ctx.Avps.Push("after", PvValue.FromInt(1)); // written after t_relay: still the transaction's
        };
        h.Router.Routes[(RouteTypes.Branch, "b")] = ctx => { seen.Add("branch " + ctx.Avps.Get("caller").Str); return 1; };
        h.Router.Routes[(RouteTypes.OnReply, "r")] = ctx =>
        {
            seen.Add($"reply {ctx.Message.StatusCode} {ctx.Avps.Get("caller").Str} {ctx.Avps.Get("after").Int}");
            ctx.Avps.Push("rang", PvValue.FromInt(1));
            return 1;
        };
        h.Router.Routes[(RouteTypes.Failure, "f")] = ctx =>
        {
            seen.Add($"failure {ctx.Avps.Get("caller").Str} {ctx.Xavps.Get("call")!.Get("id").Int} rang={ctx.Avps.Get("rang").Int}");
            return 1;
        };
        h.FromUac(Invite());
        var fwd = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(fwd, 180, "Ringing", "t1"));
        // another message on the same thread must not see the transaction's AVPs
        h.Router.Request = ctx => seen.Add("other " + (ctx.Avps.Get("caller").IsNull ? "none" : "leak"));
        h.FromUac(Invite(branch: "z9hG4bKother", callId: "other"));
        h.FromUas(ReplyTo(fwd, 486, "Busy Here", "t1"));
        Assert.Equal(["branch alice", "reply 180 alice 1", "other none", "reply 486 alice 1", "failure alice 7 rang=1"], seen);
    }
}

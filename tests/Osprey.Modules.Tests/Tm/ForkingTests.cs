using Osprey.Core.Modules;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

public class ForkingTests
{
    private static TmHarness Parallel(Action<TmHarness>? more = null)
    {
        var h = new TmHarness();
        h.Router.Request = ctx =>
        {
            ctx.NewRequestUri = "sip:bob@" + Uas;
            ctx.Branches.Add("sip:bob@" + Uas2);
            h.Tm.TOnFailure(ctx, "f");
            h.Tm.TRelay(ctx);
        };
        more?.Invoke(h);
        return h;
    }

    [Fact]
    public void Parallel_forking_first_200_wins_and_the_other_branch_is_cancelled()
    {
        var h = Parallel();
        h.FromUac(Invite());
        var a = Assert.Single(h.Net.To(Uas));
        var b = Assert.Single(h.Net.To(Uas2));
        Assert.Equal("sip:bob@" + Uas, S(a.RequestUriText));
        Assert.Equal("sip:bob@" + Uas2, S(b.RequestUriText));
        Assert.NotEqual(a.TopVia.BranchString, b.TopVia.BranchString);
        h.FromUas(ReplyTo(a, 180, "Ringing", "ta"));
        h.FromUas(ReplyTo(b, 180, "Ringing", "tb"), Uas2);
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(b, 200, "OK", "tb"), Uas2);
        Assert.Equal(200, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
        var cancel = Assert.Single(h.Net.To(Uas, mark));
        Assert.Equal(SipMethod.Cancel, cancel.Method);
        Assert.Equal(a.TopVia.BranchString, cancel.TopVia.BranchString);
        Assert.Contains("cause=200", S(cancel.ValueOf(HeaderId.Reason)));
        // the cancelled branch's 487 is ACKed, never relayed after the 200
        mark = h.Net.Mark;
        h.FromUas(ReplyTo(cancel, 200, "OK", "ta"));
        h.FromUas(ReplyTo(a, 487, "Request Terminated", "ta"));
        Assert.Empty(h.Net.To(Uac, mark));
        Assert.Equal(SipMethod.Ack, Assert.Single(h.Net.To(Uas, mark)).Method);
        Assert.DoesNotContain(h.Router.Ran, r => r.Item1 == RouteTypes.Failure);
        h.Clock.Advance(33_000);
        Assert.Equal(0, h.Layer.Count);
    }

    [Fact]
    public void A_6xx_cancels_the_other_branches_and_stops_the_search()
    {
        int relayInFailure = 0;
        var h = Parallel(h => h.Router.Routes[(RouteTypes.Failure, "f")] = ctx =>
        {
            Assert.Equal(1, h.Tm.TCheckStatus(ctx, "6[0-9][0-9]"));
            Assert.Equal(1, h.Tmx.TIsFailureRoute(ctx));
            ctx.DestinationUri = "sip:192.0.2.30:5060";
            relayInFailure = h.Tm.TRelay(ctx);
            return 1;
        });
        h.FromUac(Invite());
        var a = h.Net.To(Uas)[0];
        var b = h.Net.To(Uas2)[0];
        h.FromUas(ReplyTo(a, 180, "Ringing", "ta"));
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(b, 603, "Decline", "tb"), Uas2);
        Assert.Equal(SipMethod.Ack, Assert.Single(h.Net.To(Uas2, mark)).Method);
        Assert.Equal(SipMethod.Cancel, Assert.Single(h.Net.To(Uas, mark)).Method);
        Assert.Empty(h.Net.To(Uac, mark)); // the other branch is still pending
        h.FromUas(ReplyTo(a, 487, "Request Terminated", "ta"));
        Assert.True(relayInFailure < 0);
        Assert.Empty(h.Net.To("192.0.2.30:5060"));
        Assert.Equal(603, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
    }

    [Fact]
    public void Serial_forking_by_q_with_t_next_contacts_in_the_failure_route()
    {
        var h = new TmHarness();
        const string third = "192.0.2.22:5080";
        h.Router.Request = ctx =>
        {
            ctx.NewRequestUri = "sip:bob@" + Uas2;
            ctx.Branches.Add("sip:bob@" + third, q: 100);
            ctx.Branches.Add("sip:bob@" + Uas, q: 1000);
            ctx.Branches.Add("sip:bob2@" + Uas, q: 1000);
            ctx.Branches[0].Q = 100;
            Assert.Equal(1, h.Tm.TLoadContacts(ctx));
            Assert.Equal(0, ctx.Branches.Count);
            Assert.Equal(1, h.Tm.TNextContacts(ctx));
            h.Tm.TOnFailure(ctx, "next");
            h.Tm.TRelay(ctx);
        };
        h.Router.Routes[(RouteTypes.Failure, "next")] = ctx =>
        {
            if (h.Tm.TNextContacts(ctx) < 0) return 1;
            h.Tm.TOnFailure(ctx, "next");
            return h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        // first the q=1.0 group, in parallel: the R-URI (q 1.0 by default) and the two q=1.0 branches
        var first = h.Net.To(Uas);
        Assert.Equal(2, first.Count);
        Assert.Equal(["sip:bob@" + Uas, "sip:bob2@" + Uas], first.Select(m => S(m.RequestUriText)).ToArray());
        var second = Assert.Single(h.Net.To(Uas2));
        Assert.Equal("sip:bob@" + Uas2, S(second.RequestUriText));
        Assert.Empty(h.Net.To(third));

        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(first[0], 480, "Temporarily Unavailable", "t1"));
        h.FromUas(ReplyTo(first[1], 486, "Busy Here", "t2"));
        h.FromUas(ReplyTo(second, 404, "Not Found", "t3"), Uas2);
        Assert.Empty(h.Net.To(Uac, mark));
        var last = Assert.Single(h.Net.To(third, mark));
        Assert.Equal("sip:bob@" + third, S(last.RequestUriText));
        h.FromUas(ReplyTo(last, 200, "OK", "t4"), third);
        Assert.Equal(200, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
    }

    [Fact]
    public void Serial_forking_gives_up_with_the_reply_of_the_last_leg()
    {
        var h = new TmHarness();
        h.Router.Request = ctx =>
        {
            ctx.NewRequestUri = "sip:bob@" + Uas;
            ctx.Branches.Add("sip:bob@" + Uas2, q: 500);
            h.Tm.TLoadContacts(ctx);
            h.Tm.TNextContacts(ctx);
            h.Tm.TOnFailure(ctx, "next");
            h.Tm.TRelay(ctx);
        };
        h.Router.Routes[(RouteTypes.Failure, "next")] = ctx =>
        {
            if (h.Tm.TNextContacts(ctx) < 0) return 1;
            h.Tm.TOnFailure(ctx, "next");
            return h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 302, "Moved", "t1"));
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(h.Net.To(Uas2)[0], 486, "Busy Here", "t2"), Uas2);
        // failure_reply_mode 3: the 302 of the first leg is forgotten
        Assert.Equal(486, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
    }

    [Fact]
    public void Challenges_of_401_and_407_branches_are_aggregated()
    {
        var h = Parallel();
        h.FromUac(Invite());
        var a = h.Net.To(Uas)[0];
        var b = h.Net.To(Uas2)[0];
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(a, 407, "Proxy Authentication Required", "ta", "Proxy-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n"));
        h.FromUas(ReplyTo(b, 401, "Unauthorized", "tb", "WWW-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\n"), Uas2);
        var r = Assert.Single(h.Net.To(Uac, mark));
        Assert.True(r.StatusCode is 401 or 407);
        Assert.True(r.IndexOf(HeaderId.ProxyAuthenticate) >= 0);
        Assert.True(r.IndexOf(HeaderId.WwwAuthenticate) >= 0);
    }

    [Fact]
    public void Failure_route_can_reply_itself_and_sees_the_timeout()
    {
        var h = new TmHarness(tm => tm.FrTimer = 1000);
        h.Router.Request = ctx => { ctx.DestinationUri = "sip:" + Uas; h.Tm.TOnFailure(ctx, "f"); h.Tm.TRelay(ctx); };
        h.Router.Routes[(RouteTypes.Failure, "f")] = ctx =>
        {
            Assert.Equal(1, h.Tm.TBranchTimeout(ctx));
            Assert.Equal(-1, h.Tm.TBranchReplied(ctx));
            Assert.Equal(408, h.Tm.TReplyCode(ctx, null).Int);
            return h.Tm.TReply(ctx, 480, "Gone Fishing");
        };
        h.FromUac(Invite());
        int mark = h.Net.Mark;
        h.Clock.Advance(1100);
        var r = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal(480, r.StatusCode);
        Assert.Equal("Gone Fishing", S(r.Reason));
    }

    [Fact]
    public void Branch_route_runs_per_branch_with_its_index_and_may_drop_one()
    {
        var h = Parallel(h =>
        {
            h.Router.Request = ctx =>
            {
                ctx.NewRequestUri = "sip:bob@" + Uas;
                ctx.Branches.Add("sip:bob@" + Uas2);
                h.Tm.TOnBranch(ctx, "b");
                h.Tm.TRelay(ctx);
            };
            h.Router.Routes[(RouteTypes.Branch, "b")] = ctx =>
            {
                Assert.Equal(1, h.Tmx.TIsBranchRoute(ctx));
                return h.Tm.TBranchIdx(ctx, null).Int == 1 ? 0 : 1;
            };
        });
        h.FromUac(Invite());
        Assert.Single(h.Net.To(Uas));
        Assert.Empty(h.Net.To(Uas2));
    }

    [Fact]
    public void Branch_failure_event_route_runs_for_each_failed_branch()
    {
        var seen = new List<long>();
        var h = Parallel(h =>
        {
            h.Router.Request = ctx =>
            {
                ctx.NewRequestUri = "sip:bob@" + Uas;
                ctx.Branches.Add("sip:bob@" + Uas2);
                h.Tm.TOnBranchFailure(ctx, "bf");
                h.Tm.TRelay(ctx);
            };
            h.Router.Routes[(RouteTypes.Event, "tm:branch-failure:bf")] = ctx => { seen.Add(h.Tm.TReplyCode(ctx, null).Int); return 1; };
        });
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 486, "Busy", "ta"));
        h.FromUas(ReplyTo(h.Net.To(Uas2)[0], 404, "Not Found", "tb"), Uas2);
        Assert.Equal([486L, 404L], seen);
    }

    [Fact]
    public void Tm_stats_is_empty_after_mixed_traffic()
    {
        var h = Parallel();
        for (int i = 0; i < 20; i++)
        {
            string br = "z9hG4bKmix" + i, cid = "mix-" + i;
            h.FromUac(Invite(br, cid));
            var sent = h.Net.To(Uas);
            var a = sent[^1];
            var b = h.Net.To(Uas2)[^1];
            switch (i % 4)
            {
                case 0:
                    h.FromUas(ReplyTo(a, 200, "OK", "x"));
                    h.FromUas(ReplyTo(b, 487, "Request Terminated", "y"), Uas2);
                    break;
                case 1:
                    h.FromUas(ReplyTo(a, 486, "Busy", "x"));
                    h.FromUas(ReplyTo(b, 480, "Unavailable", "y"), Uas2);
                    h.FromUac(AckFor(h.Net.To(Uac)[^1], br, cid));
                    break;
                case 2:
                    h.FromUas(ReplyTo(a, 180, "Ringing", "x"));
                    h.FromUac(Cancel(br, cid));
                    h.FromUas(ReplyTo(a, 487, "Request Terminated", "x"));
                    h.FromUas(ReplyTo(b, 487, "Request Terminated", "y"), Uas2);
                    break;
                default:
                    break; // nobody answers: fr_timer
            }
        }
        h.Clock.Advance(200_000);
        var st = h.Tm.RpcStats();
        Assert.Equal(0, st.Current);
        Assert.Equal(st.Created, st.Freed);
        Assert.Empty(h.Tm.RpcList());
    }
}

using Osprey.Core.Modules;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

public class InviteTransactionTests
{
    [Fact]
    public void Invite_100_180_200_are_relayed_and_the_transaction_ends_after_the_wait_timer()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var up = h.Net.To(Uac);
        Assert.Single(up);
        Assert.Equal(100, up[0].StatusCode); // auto_inv_100
        Assert.False(up[0].To.HasTag);
        var down = h.Net.To(Uas);
        Assert.Single(down);
        var inv = down[0];
        Assert.Equal(SipMethod.Invite, inv.Method);
        Assert.StartsWith("z9hG4bKtm", inv.TopVia.BranchString);
        Assert.Equal("10.0.0.1", inv.TopVia.HostString);
        Assert.Equal(2, inv.ViaCount);
        Assert.Equal(1, h.Layer.Count);

        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 100, "Trying"));
        Assert.Empty(h.Net.To(Uac, mark)); // 100 is hop by hop
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        var ringing = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal(180, ringing.StatusCode);
        Assert.Equal(1, ringing.ViaCount);
        Assert.Equal("z9hG4bKuac1", ringing.TopVia.BranchString);
        h.FromUas(ReplyTo(inv, 200, "OK"));
        var ok = h.Net.To(Uac, mark)[^1];
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("b1", ok.To.TagString);
        Assert.Equal(1, ok.ViaCount);

        // a 2xx retransmission from the UAS is relayed again (RFC 3261 §16.7 step 10)
        mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 200, "OK"));
        Assert.Equal(200, Assert.Single(h.Net.To(Uac, mark)).StatusCode);

        h.Clock.Advance(32_000); // Timer L (RFC 6026): 64·T1 over UDP
        Assert.Equal(0, h.Layer.Count);
        var stats = h.Tm.RpcStats();
        Assert.Equal(0, stats.Current);
        Assert.Equal(1, stats.Tx2xx);
        Assert.Equal(stats.Created, stats.Freed);
    }

    [Fact]
    public void A_486_is_acked_hop_by_hop_relayed_and_the_uac_ack_is_absorbed()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 486, "Busy Here"));
        var ack = Assert.Single(h.Net.To(Uas, mark));
        Assert.Equal(SipMethod.Ack, ack.Method);
        Assert.Equal(inv.TopVia.BranchString, ack.TopVia.BranchString); // same branch as the INVITE
        Assert.Equal(1, ack.ViaCount);
        Assert.Equal("b1", ack.To.TagString);
        Assert.Equal("1 ACK", S(ack.ValueOf(HeaderId.CSeq)));
        Assert.Equal(inv.RequestUriText.ToArray(), ack.RequestUriText.ToArray());
        var busy = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal(486, busy.StatusCode);

        // the UAS retransmits its 486: ACK again, nothing upstream
        mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 486, "Busy Here"));
        Assert.Equal(SipMethod.Ack, Assert.Single(h.Net.To(Uas, mark)).Method);
        Assert.Empty(h.Net.To(Uac, mark));

        // the UAC's ACK ends at the proxy
        mark = h.Net.Mark;
        h.FromUac(AckFor(busy));
        Assert.Equal(mark, h.Net.Mark);
        // Timer G stops: no 486 retransmission after the ACK
        h.Clock.Advance(4000);
        Assert.Empty(h.Net.To(Uac, mark));
        h.Clock.Advance(10000);
        Assert.Equal(0, h.Layer.Count);
    }

    [Fact]
    public void Negative_reply_is_retransmitted_over_udp_until_the_ack()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 486, "Busy Here"));
        Assert.Single(h.Net.To(Uac, mark));
        h.Clock.Advance(500); // Timer G = T1
        Assert.Equal(2, h.Net.To(Uac, mark).Count);
        h.Clock.Advance(1000); // 2·T1
        Assert.Equal(3, h.Net.To(Uac, mark).Count);
        h.FromUac(AckFor(h.Net.To(Uac, mark)[0]));
        h.Clock.Advance(8000);
        Assert.Equal(3, h.Net.To(Uac, mark).Count);
    }

    [Fact]
    public void Invite_is_retransmitted_over_udp_until_a_reply_and_not_at_all_over_tcp()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        h.Clock.Advance(500);   // Timer A: T1
        h.Clock.Advance(1000);  // 2·T1
        h.Clock.Advance(2000);  // 4·T1
        Assert.Equal(4, h.Net.To(Uas).Count);
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 100, "Trying"));
        h.Clock.Advance(8000);
        Assert.Equal(4, h.Net.To(Uas).Count(m => m.Method == SipMethod.Invite));

        var t = new TmHarness();
        t.Router.Request = ctx => { ctx.DestinationUri = "sip:" + Uas + ";transport=tcp"; t.Tm.TRelay(ctx); };
        t.FromUac(Invite());
        Assert.Single(t.Net.To(Uas));
        Assert.Equal(Osprey.Transport.SipProtocol.Tcp, t.Net.Sent.Single(s => s.To.Equals(System.Net.IPEndPoint.Parse(Uas))).Protocol);
        t.Clock.Advance(4000);
        Assert.Single(t.Net.To(Uas));
    }

    [Fact]
    public void Request_retransmissions_are_absorbed_and_get_the_last_reply()
    {
        var h = new TmHarness();
        int relays = 0;
        h.Router.Request = ctx =>
        {
            ctx.DestinationUri = "sip:" + Uas;
            if (h.Tm.TRelay(ctx) > 0) relays++;
        };
        h.FromUac(Invite());
        h.FromUac(Invite());
        Assert.Equal(1, relays);
        Assert.Single(h.Net.To(Uas));
        var up = h.Net.To(Uac);
        Assert.Equal(2, up.Count);
        Assert.All(up, m => Assert.Equal(100, m.StatusCode));

        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        int mark = h.Net.Mark;
        h.FromUac(Invite());
        Assert.Equal(180, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
        Assert.Empty(h.Net.To(Uas, mark));
        Assert.Equal(1, h.Layer.Count);
    }

    [Fact]
    public void Cancel_after_180_gets_200_cancels_the_branch_and_487_goes_up()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        int mark = h.Net.Mark;
        h.FromUac(Cancel());
        var cancelOk = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal(200, cancelOk.StatusCode);
        Assert.Equal("1 CANCEL", S(cancelOk.ValueOf(HeaderId.CSeq)));
        var cancel = Assert.Single(h.Net.To(Uas, mark));
        Assert.Equal(SipMethod.Cancel, cancel.Method);
        Assert.Equal(inv.TopVia.BranchString, cancel.TopVia.BranchString);
        Assert.Equal("Q.850;cause=16", S(cancel.ValueOf(HeaderId.Reason))); // e2e_cancel_reason
        Assert.Equal(1, h.Tm.TIsCanceled(h.Layer.RequestContext(h.Layer.Table.Snapshot().First(t => t.IsInvite))));

        // the UAS answers the CANCEL (absorbed) and the INVITE with 487 (ACKed, relayed)
        mark = h.Net.Mark;
        h.FromUas(ReplyTo(cancel, 200, "OK"));
        Assert.Empty(h.Net.To(Uac, mark));
        h.FromUas(ReplyTo(inv, 487, "Request Terminated"));
        Assert.Equal(SipMethod.Ack, Assert.Single(h.Net.To(Uas, mark)).Method);
        Assert.Equal(487, Assert.Single(h.Net.To(Uac, mark)).StatusCode);

        // a CANCEL retransmission gets the 200 again, nothing goes downstream
        mark = h.Net.Mark;
        h.FromUac(Cancel());
        Assert.Equal(200, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
        Assert.Empty(h.Net.To(Uas, mark));
    }

    [Fact]
    public void Cancel_before_any_reply_waits_for_the_provisional_then_cancels()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        int mark = h.Net.Mark;
        h.FromUac(Cancel());
        Assert.DoesNotContain(h.Net.To(Uas, mark), m => m.Method == SipMethod.Cancel); // RFC 3261 §9.1
        h.FromUas(ReplyTo(inv, 100, "Trying"));
        Assert.Single(h.Net.To(Uas, mark), m => m.Method == SipMethod.Cancel);
    }

    [Fact]
    public void No_answer_gives_408_after_fr_inv_timer_and_cancels_the_branch()
    {
        var h = new TmHarness(tm => { tm.FrTimer = 2000; tm.FrInvTimer = 10000; });
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        int mark = h.Net.Mark;
        h.Clock.Advance(9900);
        Assert.Empty(h.Net.To(Uac, mark));
        h.Clock.Advance(200);
        var timeout = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal(408, timeout.StatusCode);
        Assert.True(timeout.To.HasTag);
        Assert.Equal(SipMethod.Cancel, h.Net.To(Uas, mark).Single(m => m.Method == SipMethod.Cancel).Method);
        // the late 487 is ACKed and not relayed
        int mark2 = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 487, "Request Terminated"));
        Assert.Empty(h.Net.To(Uac, mark2));
        Assert.Equal(SipMethod.Ack, Assert.Single(h.Net.To(Uas, mark2)).Method);
    }

    [Fact]
    public void No_reply_at_all_gives_408_after_fr_timer()
    {
        var h = new TmHarness(tm => tm.FrTimer = 3000);
        h.FromUac(Invite());
        int mark = h.Net.Mark;
        h.Clock.Advance(3100);
        Assert.Equal(408, h.Net.To(Uac, mark).Single().StatusCode);
        Assert.DoesNotContain(h.Net.To(Uas, mark), m => m.Method == SipMethod.Cancel); // nothing to cancel
    }

    [Fact]
    public void A_503_from_downstream_goes_up_as_500()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 503, "Service Unavailable"));
        var r = Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal(500, r.StatusCode);
    }

    [Fact]
    public void Cancel_that_arrives_before_its_invite_makes_the_invite_487()
    {
        var h = new TmHarness();
        h.FromUac(Cancel());
        Assert.Single(h.Net.To(Uas)); // forwarded statefully (unmatched_cancel 0)
        int mark = h.Net.Mark;
        h.FromUac(Invite());
        Assert.Empty(h.Net.To(Uas, mark));
        Assert.Equal(487, h.Net.To(Uac, mark).Single().StatusCode);
    }

    [Fact]
    public void Onreply_route_runs_for_each_reply_and_can_drop_provisionals()
    {
        var h = new TmHarness();
        var codes = new List<long>();
        h.Router.Routes[(RouteTypes.OnReply, "r")] = ctx =>
        {
            codes.Add(h.Tm.TReplyCode(ctx, null).Int);
            Assert.Equal(1, h.Tmx.TIsReplyRoute(ctx));
            return ctx.Message.StatusCode == 183 ? 0 : 1;
        };
        h.Router.Request = ctx => { ctx.DestinationUri = "sip:" + Uas; h.Tm.TOnReply(ctx, "r"); h.Tm.TRelay(ctx); };
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 183, "Session Progress"));
        Assert.Empty(h.Net.To(Uac, mark));
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        Assert.Single(h.Net.To(Uac, mark));
        Assert.Equal([183L, 180L], codes);
    }

    [Fact]
    public void Non_invite_is_retransmitted_at_t2_after_a_provisional_and_finishes_with_the_final()
    {
        var h = new TmHarness();
        h.FromUac(Invite(method: "OPTIONS"));
        var opt = h.Net.To(Uas)[0];
        Assert.Empty(h.Net.To(Uac)); // no 100 for a non-INVITE
        h.Clock.Advance(500);
        Assert.Equal(2, h.Net.To(Uas).Count);
        h.FromUas(ReplyTo(opt, 100, "Trying"));
        h.Clock.Advance(1000); // the pending E (2·T1) fires, then every T2
        h.Clock.Advance(4000);
        Assert.Equal(4, h.Net.To(Uas).Count);
        h.FromUas(ReplyTo(opt, 200, "OK"));
        Assert.Equal(200, h.Net.To(Uac).Single().StatusCode);
        h.Clock.Advance(32_000); // Timer J: 64·T1 over UDP
        Assert.Equal(4, h.Net.To(Uas).Count);
        Assert.Equal(0, h.Layer.Count);
    }
}

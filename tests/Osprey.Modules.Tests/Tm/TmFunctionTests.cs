using Osprey.Core.Modules;
using Osprey.Sip.Message;
using Osprey.Modules.Tm;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

public class TmFunctionTests
{
    private static string Rfc2543Invite(string method = "INVITE", int cseq = 1) =>
        $"{method} sip:bob@example.com SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {Uac}\r\n" + // no branch: RFC 2543 matching (§17.2.3 last paragraph)
        "From: <sip:alice@example.com>;tag=a1\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        "Call-ID: old-1\r\n" +
        $"CSeq: {cseq} {method}\r\n" +
        "Content-Length: 0\r\n\r\n";

    [Fact]
    public void Rfc2543_requests_match_by_call_id_cseq_tags_and_via()
    {
        var h = new TmHarness();
        h.FromUac(Rfc2543Invite());
        h.FromUac(Rfc2543Invite());
        Assert.Single(h.Net.To(Uas));
        Assert.Equal(1, h.Layer.Count);
        h.FromUac(Rfc2543Invite(cseq: 2)); // another CSeq: another transaction
        Assert.Equal(2, h.Net.To(Uas).Count);
        var inv = h.Net.To(Uas)[0];
        int mark = h.Net.Mark;
        h.FromUas(ReplyTo(inv, 486, "Busy", "zz"));
        var busy = h.Net.To(Uac, mark).Single();
        // the ACK of an RFC 2543 client carries the reply's To-tag
        mark = h.Net.Mark;
        h.FromUac(AckFor(busy).Replace(";branch=z9hG4bKuac1;rport", "", StringComparison.Ordinal).Replace("Call-ID: call-1", "Call-ID: old-1", StringComparison.Ordinal));
        Assert.Equal(mark, h.Net.Mark); // absorbed
    }

    [Fact]
    public void T_set_fr_shortens_the_final_response_timers_of_this_transaction()
    {
        var h = new TmHarness();
        h.Router.Request = ctx =>
        {
            ctx.DestinationUri = "sip:" + Uas;
            Assert.Equal(1, h.Tm.TSetFr(ctx, 3000, 1000));
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        int mark = h.Net.Mark;
        h.Clock.Advance(1100);
        Assert.Equal(408, h.Net.To(Uac, mark).Single().StatusCode);
    }

    [Fact]
    public void Rpc_cancel_cancels_the_pending_branches_and_list_shows_the_transaction()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        var list = h.Tm.RpcList();
        Assert.Equal("INVITE", Assert.Single(list).Method);
        int mark = h.Net.Mark;
        Assert.Equal(1, h.Tm.RpcCancel("call-1", "1"));
        Assert.Equal(SipMethod.Cancel, Assert.Single(h.Net.To(Uas, mark)).Method);
        Assert.Equal(-1, h.Tm.RpcCancel("nope", "1"));
    }

    [Fact]
    public void Cancel_b_method_0_fakes_a_487_for_unreplied_branches()
    {
        var h = new TmHarness(tm => tm.CancelBMethod = 0);
        h.FromUac(Invite());
        int mark = h.Net.Mark;
        h.FromUac(Cancel());
        var up = h.Net.To(Uac, mark);
        Assert.Equal([200, 487], up.Select(m => m.StatusCode).ToArray());
        Assert.DoesNotContain(h.Net.To(Uas, mark), m => m.Method == SipMethod.Cancel);
    }

    [Fact]
    public void Cancel_b_method_2_sends_the_cancel_at_once()
    {
        var h = new TmHarness(tm => tm.CancelBMethod = 2);
        h.FromUac(Invite());
        int mark = h.Net.Mark;
        h.FromUac(Cancel());
        Assert.Single(h.Net.To(Uas, mark), m => m.Method == SipMethod.Cancel);
        h.Clock.Advance(2000);
        Assert.DoesNotContain(h.Net.To(Uas, mark), m => m.Method == SipMethod.Invite); // INVITE retransmissions stopped
    }

    [Fact]
    public void Unmatched_cancel_2_drops_it()
    {
        var h = new TmHarness(tm => tm.UnmatchedCancel = 2);
        h.FromUac(Cancel());
        Assert.Empty(h.Net.Sent);
        Assert.Equal(0, h.Layer.Count);
    }

    [Fact]
    public void T_check_trans_absorbs_retransmissions_and_negative_acks_and_finds_the_invite_of_a_cancel()
    {
        var h = new TmHarness();
        var results = new List<int>();
        h.Router.Request = ctx =>
        {
            int r = h.Tm.TCheckTrans(ctx);
            results.Add(r);
            if (r == 0) return;
            if (ctx.Message.Method == SipMethod.Cancel && r < 0) return;
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());          // new: -1, relayed
        h.FromUac(Invite());          // retransmission: 0
        h.FromUac(Cancel("z9hG4bKother", "call-9")); // no INVITE: -1
        h.FromUac(Cancel());          // its INVITE exists: 1
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 487, "Request Terminated"));
        h.FromUac(AckFor(h.Net.To(Uac).Last(m => m.StatusCode == 487))); // ACK of the 487: 0
        Assert.Equal([-1, 0, -1, 1, 0], results);
    }

    [Fact]
    public void T_req_and_t_rpl_read_the_request_and_the_reply_in_a_failure_route()
    {
        var h = new TmHarness();
        string? method = null, reason = null;
        h.Router.Request = ctx => { ctx.DestinationUri = "sip:" + Uas; h.Tm.TOnFailure(ctx, "f"); h.Tm.TRelay(ctx); };
        h.Router.Routes[(RouteTypes.Failure, "f")] = ctx =>
        {
            method = h.Tm.TReq(ctx, "$rm").Str;
            reason = h.Tm.TRpl(ctx, "$rr").Str;
            Assert.Equal("call-1", h.Tm.TReq(ctx, "$ci").Str);
            Assert.Equal("<sip:alice@192.0.2.7:5070>", h.Tm.TReq(ctx, "$hdr(Contact)").Str);
            return 1;
        };
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 404, "Nobody"));
        Assert.Equal("INVITE", method);
        Assert.Equal("Nobody", reason);
    }

    [Fact]
    public void Auto_inv_100_off_sends_no_trying()
    {
        var h = new TmHarness(tm => tm.AutoInv100 = 0);
        h.FromUac(Invite());
        Assert.Empty(h.Net.To(Uac));
        Assert.Single(h.Net.To(Uas));
    }

    [Fact]
    public void Auto_inv_100_reason_is_the_reason_phrase_of_the_trying()
    {
        var h = new TmHarness(tm => tm.AutoInv100Reason = "Wird bearbeitet");
        h.FromUac(Invite());
        var trying = Assert.Single(h.Net.To(Uac));
        Assert.Equal(100, trying.StatusCode);
        Assert.Equal("Wird bearbeitet", System.Text.Encoding.UTF8.GetString(trying.Reason));
        h.FromUac(Invite(branch: "z9hG4bKuac2", callId: "call-2"));
        Assert.Equal("Wird bearbeitet", System.Text.Encoding.UTF8.GetString(h.Net.To(Uac)[^1].Reason));
    }

    [Fact]
    public void Bad_parameters_are_refused_at_init_with_a_message()
    {
        var tm = new TmModule { Server = new Core.Pipeline.SipServer(new Core.CoreSettings(), new Core.Routing.DefaultRouter()), Scheduler = new ManualScheduler(), RetrTimer1 = 5000, RetrTimer2 = 4000 };
        Assert.Contains("retr_timer1", tm.Init());
    }
}

public class EndToEndAckTests
{
    [Fact]
    public void T_check_trans_is_true_for_the_ack_of_a_relayed_2xx_while_the_invite_transaction_lives()
    {
        var h = new TmHarness();
        var results = new List<int>();
        h.Router.Request = ctx =>
        {
            if (ctx.Message.Method == SipMethod.Ack)
            {
                int r = h.Tm.TCheckTrans(ctx);
                results.Add(r);
                ctx.DestinationUri = "sip:" + Uas;
                if (r > 0) h.Tm.TRelay(ctx);
                return;
            }
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 200, "OK", "b7"));
        var ok = h.Net.To(Uac).Last();
        // a 2xx ACK has a branch of its own (RFC 3261 §13.2.2.4)
        int mark = h.Net.Mark;
        h.FromUac(AckFor(ok, branch: "z9hG4bKack2xx"));
        Assert.Equal(SipMethod.Ack, Assert.Single(h.Net.To(Uas, mark)).Method);
        h.FromUac(AckFor(ok, branch: "z9hG4bKack2xx").Replace("tag=b7", "tag=other", StringComparison.Ordinal));
        h.Clock.Advance(40_000);
        h.FromUac(AckFor(ok, branch: "z9hG4bKack2xx"));
        Assert.Equal([1, -1, -1], results);
    }
}

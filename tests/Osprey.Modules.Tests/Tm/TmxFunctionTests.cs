using Osprey.Modules.Tm;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

public class TmxFunctionTests
{
    [Fact]
    public void T_flush_flags_gives_the_transaction_the_flags_set_after_it_was_created()
    {
        var h = new TmHarness();
        ulong before = 0, after = 0;
        h.Router.Request = ctx =>
        {
            Assert.Equal(1, h.Tm.TNewTran(ctx));
            ctx.Flags |= 1UL << 5;
            var tx = TransactionLayer.Current(ctx)!;
            before = tx.Flags;
            Assert.Equal(1, h.Tmx.TFlushFlags(ctx));
            after = tx.Flags;
        };
        h.FromUac(Invite());
        Assert.Equal(0UL, before & (1UL << 5));
        Assert.Equal(1UL << 5, after & (1UL << 5));
    }

    [Fact]
    public void T_flush_flags_without_a_transaction_fails()
    {
        var h = new TmHarness();
        int result = 0;
        h.Router.Request = ctx => result = h.Tmx.TFlushFlags(ctx);
        h.FromUac(Invite());
        Assert.Equal(-1, result);
    }

    [Fact]
    public void T_reply_callid_answers_the_transaction_named_by_call_id_and_cseq()
    {
        var h = new TmHarness();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        int mark = h.Net.Mark;
        int unknown = 0, known = 0;
        h.Router.Request = ctx =>
        {
            unknown = h.Tmx.TReplyCallId(ctx, "no-such-call", "1", 486, "Busy Here");
            known = h.Tmx.TReplyCallId(ctx, "call-1", "1", 486, "Busy Here");
        };
        h.FromUac(Invite(branch: "z9hG4bKother", callId: "call-2", method: "MESSAGE")); // any request drives the route
        Assert.Equal(-1, unknown);
        Assert.Equal(1, known);
        var busy = h.Net.To(Uac, mark).Single(m => m.StatusCode == 486);
        Assert.Equal("call-1", System.Text.Encoding.ASCII.GetString(busy.CallId));
    }
}

using Osprey.Modules.Sl;
using Osprey.Modules.Tests.Tm;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Sl;

public class SlTests
{
    [Fact]
    public void Sl_send_reply_answers_statelessly_with_a_stable_to_tag_and_counts()
    {
        var h = new TmHarness();
        var sl = new SlModule { Server = h.Server };
        h.Router.Request = ctx => sl.SlSendReply(ctx, 404, "Not Here");
        h.FromUac(Invite(method: "OPTIONS"));
        h.FromUac(Invite(method: "OPTIONS"));
        var r = h.Net.To(Uac);
        Assert.Equal(2, r.Count);
        Assert.Equal(404, r[0].StatusCode);
        Assert.Equal(r[0].To.TagString, r[1].To.TagString);
        Assert.Equal(2, sl.SentReplies);
        Assert.Equal(2, sl.Replies4xx);
        Assert.Equal(0, h.Layer.Count);
    }

    [Theory]
    [InlineData("Not Here")]
    [InlineData("Nicht verfügbar – später")]
    [InlineData("A reason phrase longer than the sixty-three characters kept on the stack for it")]
    public void The_reason_phrase_arrives_as_written(string reason)
    {
        var h = new TmHarness();
        var sl = new SlModule { Server = h.Server };
        h.Router.Request = ctx => sl.SlSendReply(ctx, 480, reason);
        h.FromUac(Invite(method: "OPTIONS"));
        var r = Assert.Single(h.Net.To(Uac));
        Assert.Equal(480, r.StatusCode);
        Assert.Equal(reason, System.Text.Encoding.UTF8.GetString(r.Reason));
    }

    [Fact]
    public void Send_reply_goes_through_the_transaction_when_there_is_one()
    {
        var h = new TmHarness();
        var sl = new SlModule { Server = h.Server };
        h.Router.Request = ctx =>
        {
            if (h.Tm.TNewTran(ctx) == 0) return; // retransmission: tm answered
            sl.SendReply(ctx, 486, "Busy Here");
        };
        h.FromUac(Invite());
        var r = h.Net.To(Uac);
        Assert.Equal([100, 486], r.Select(m => m.StatusCode).ToArray());
        int mark = h.Net.Mark;
        h.FromUac(Invite()); // absorbed: the 486 again
        Assert.Equal(486, Assert.Single(h.Net.To(Uac, mark)).StatusCode);
        h.FromUac(AckFor(r[1]));
        h.Clock.Advance(40_000);
        Assert.Equal(0, h.Layer.Count);
    }

    [Fact]
    public void Sl_reply_error_uses_the_reason_of_the_failed_relay()
    {
        var h = new TmHarness();
        var sl = new SlModule { Server = h.Server };
        h.Router.Request = ctx =>
        {
            ctx.DestinationUri = "tel:+123";
            if (h.Tm.TRelay(ctx) < 0) sl.SlReplyError(ctx);
        };
        h.FromUac(Invite(method: "MESSAGE"));
        var r = Assert.Single(h.Net.To(Uac));
        Assert.Equal(416, r.StatusCode);
        Assert.Equal(1, sl.SentErrReplies);
        Assert.Equal(0, h.Layer.Count); // the transaction t_relay made for nothing is gone
    }

    [Fact]
    public void Sl_forward_reply_forwards_a_reply_statelessly()
    {
        var h = new TmHarness();
        var sl = new SlModule { Server = h.Server };
        var reply = "SIP/2.0 200 OK\r\n" +
                    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKslxyz\r\n" +
                    $"Via: SIP/2.0/UDP {Uac};branch=z9hG4bKuac9\r\n" +
                    "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: sl-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
        var msg = SipMessage.ParseAndValidate(System.Text.Encoding.UTF8.GetBytes(reply), Framing.Datagram, out _)!;
        var ctx = Core.Pipeline.MessageContext.ForStoredMessage(h.Server, msg, System.Net.IPEndPoint.Parse(Uas), h.Net.Udp, 0);
        Assert.Equal(1, sl.SlForwardReply(ctx, 202, "Accepted"));
        var fwd = Assert.Single(h.Net.To(Uac));
        Assert.Equal(202, fwd.StatusCode);
        Assert.Equal("Accepted", S(fwd.Reason));
        Assert.Equal(1, fwd.ViaCount);
    }
}

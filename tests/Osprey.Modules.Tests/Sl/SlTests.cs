using Osprey.Modules.Sl;
using Osprey.Modules.Tests.Tm;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Sl;

public class SlTests
{
    private static (TmHarness H, SlModule Sl) Started()
    {
        var h = new TmHarness();
        var sl = new SlModule();
        LoadedModules.Start(h.Server, sl, h.Tmx);
        return (h, sl);
    }

    [Fact]
    public void Sl_send_reply_answers_statelessly_with_a_stable_to_tag_and_counts()
    {
        var (h, sl) = Started();
        h.Router.Request = ctx => sl.SlSendReply(ctx, 404, "Not Here");
        h.FromUac(Invite(method: "OPTIONS"));
        h.FromUac(Invite(method: "OPTIONS"));
        var r = h.Net.To(Uac);
        Assert.Equal(2, r.Count);
        Assert.Equal(404, r[0].StatusCode);
        Assert.Equal(r[0].To.TagString, r[1].To.TagString);
        Assert.Equal(2, h.Server.Stat("sl:404_replies"));
        Assert.Equal(2, h.Server.Stat("sl:sent_replies"));
        // as Kamailio 5.6 counts them: a code with a statistic of its own is not counted in its class too
        Assert.Equal(0, h.Server.Stat("sl:4xx_replies"));
        Assert.Equal(0, h.Layer.Count);
    }

    [Theory]
    [InlineData(100, "sl:1xx_replies")]
    [InlineData(180, "sl:1xx_replies")]
    [InlineData(200, "sl:200_replies")]
    [InlineData(201, "sl:2xx_replies")]
    [InlineData(202, "sl:202_replies")]
    [InlineData(300, "sl:300_replies")]
    [InlineData(301, "sl:301_replies")]
    [InlineData(302, "sl:302_replies")]
    [InlineData(305, "sl:3xx_replies")]
    [InlineData(400, "sl:400_replies")]
    [InlineData(401, "sl:401_replies")]
    [InlineData(403, "sl:403_replies")]
    [InlineData(404, "sl:404_replies")]
    [InlineData(407, "sl:407_replies")]
    [InlineData(408, "sl:408_replies")]
    [InlineData(483, "sl:483_replies")]
    [InlineData(486, "sl:4xx_replies")]
    [InlineData(500, "sl:500_replies")]
    [InlineData(503, "sl:5xx_replies")]
    [InlineData(603, "sl:6xx_replies")]
    public void Each_code_is_counted_in_one_statistic_besides_sent_replies(int code, string statistic)
    {
        var (h, sl) = Started();
        h.Router.Request = ctx => Assert.Equal(1, sl.SlSendReply(ctx, code, "Some Reason"));
        h.FromUac(Invite(method: "MESSAGE"));
        Assert.Equal(code, Assert.Single(h.Net.To(Uac)).StatusCode);
        var moved = new List<string>();
        foreach (var s in h.Server.Statistics.All)
        {
            if (s.Group == "sl" && s.Read() != 0) moved.Add(s.FullName);
        }
        Assert.Equal(new[] { statistic, "sl:sent_replies" }.Order(StringComparer.Ordinal), moved.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_reply_that_cannot_be_sent_counts_as_a_failure()
    {
        var (h, sl) = Started();
        int result = 0;
        h.Router.Request = ctx => result = sl.SlSendReply(ctx, 404, "Not Here");
        h.FromUac(Invite(method: "ACK")); // an ACK is never answered (RFC 3261 §17.2.1)
        Assert.Equal(-1, result);
        Assert.Empty(h.Net.To(Uac));
        Assert.Equal(1, h.Server.Stat("sl:failures"));
        Assert.Equal(0, h.Server.Stat("sl:sent_replies"));
        Assert.Equal(0, h.Server.Stat("sl:404_replies"));
    }

    [Fact]
    public void Every_statistic_of_Kamailio_5_6_sl_is_registered()
    {
        var (h, _) = Started();
        foreach (var name in new[]
        {
            "1xx_replies", "200_replies", "202_replies", "2xx_replies", "300_replies", "301_replies", "302_replies", "3xx_replies",
            "400_replies", "401_replies", "403_replies", "404_replies", "407_replies", "408_replies", "483_replies", "4xx_replies",
            "500_replies", "5xx_replies", "6xx_replies", "xxx_replies", "sent_replies", "sent_err_replies", "failures", "received_ACKs",
        })
        {
            Assert.Equal(0, h.Server.Stat("sl:" + name));
        }
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
        var (h, sl) = Started();
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
        // tm's replies (the 100 and the 486), not sl's: Kamailio counts them in tmx only
        Assert.Equal(0, h.Server.Stat("sl:sent_replies"));
        Assert.Equal(2, h.Server.Stat("tmx:rpl_generated"));
        Assert.Equal(2, h.Server.Stat("tmx:rpl_sent"));
    }

    [Fact]
    public void Send_reply_without_a_transaction_is_counted_by_sl()
    {
        var (h, sl) = Started();
        h.Router.Request = ctx => sl.SendReply(ctx, 202, "Accepted");
        h.FromUac(Invite(method: "MESSAGE"));
        Assert.Equal(202, Assert.Single(h.Net.To(Uac)).StatusCode);
        Assert.Equal(1, h.Server.Stat("sl:202_replies"));
        Assert.Equal(0, h.Server.Stat("tmx:rpl_generated"));
    }

    [Fact]
    public void The_cores_answer_to_a_malformed_request_is_not_counted_by_sl()
    {
        var (h, _) = Started();
        h.FromUac(Invite(method: "MESSAGE").Replace("MESSAGE sip:bob@example.com", "MESSAGE sip:bob@[::1", StringComparison.Ordinal));
        Assert.Equal(400, Assert.Single(h.Net.To(Uac)).StatusCode);
        Assert.Equal(0, h.Server.Stat("sl:sent_replies"));
        Assert.Equal(0, h.Server.Stat("sl:400_replies"));
    }

    [Fact]
    public void Sl_reply_error_uses_the_reason_of_the_failed_relay()
    {
        var (h, sl) = Started();
        h.Router.Request = ctx =>
        {
            ctx.DestinationUri = "tel:+123";
            if (h.Tm.TRelay(ctx) < 0) sl.SlReplyError(ctx);
        };
        h.FromUac(Invite(method: "MESSAGE"));
        var r = Assert.Single(h.Net.To(Uac));
        Assert.Equal(416, r.StatusCode);
        Assert.Equal(1, h.Server.Stat("sl:sent_err_replies"));
        Assert.Equal(1, h.Server.Stat("sl:4xx_replies"));
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

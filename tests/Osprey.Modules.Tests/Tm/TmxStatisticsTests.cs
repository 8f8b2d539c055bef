using Osprey.Core.Modules;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

/// <summary>tmx's reply statistics, counted as Kamailio 5.6 counts them for the same exchanges (observed
/// with kamcmd stats.get_statistics tmx:).</summary>
public class TmxStatisticsTests
{
    private static TmHarness Started(Action<TmHarness>? more = null)
    {
        var h = new TmHarness();
        more?.Invoke(h);
        LoadedModules.Start(h.Server, h.Tmx);
        return h;
    }

    private static (long Received, long Relayed, long Absorbed, long Generated, long Sent) Replies(TmHarness h) =>
        (h.Server.Stat("tmx:rpl_received"), h.Server.Stat("tmx:rpl_relayed"), h.Server.Stat("tmx:rpl_absorbed"),
         h.Server.Stat("tmx:rpl_generated"), h.Server.Stat("tmx:rpl_sent"));

    [Fact]
    public void A_relayed_reply_is_received_relayed_and_sent()
    {
        var h = Started();
        h.FromUac(Invite(method: "OPTIONS"));
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 200, "OK"));
        Assert.Equal(200, Assert.Single(h.Net.To(Uac)).StatusCode);
        Assert.Equal((1, 1, 0, 0, 1), Replies(h));
    }

    [Fact]
    public void An_invite_with_100_180_486_from_downstream()
    {
        var h = Started();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 100, "Trying"));
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        h.FromUas(ReplyTo(inv, 486, "Busy Here"));
        Assert.Equal([100, 180, 486], h.Net.To(Uac).Select(m => m.StatusCode).ToArray());
        // our own 100 is generated; the downstream 100 is absorbed; 180 and 486 are relayed
        Assert.Equal((3, 2, 1, 1, 3), Replies(h));
    }

    [Fact]
    public void A_2xx_retransmission_is_relayed_again()
    {
        var h = Started();
        h.FromUac(Invite());
        var inv = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(inv, 180, "Ringing"));
        h.FromUas(ReplyTo(inv, 200, "OK"));
        h.FromUas(ReplyTo(inv, 200, "OK"));
        Assert.Equal([100, 180, 200, 200], h.Net.To(Uac).Select(m => m.StatusCode).ToArray());
        Assert.Equal((3, 3, 0, 1, 4), Replies(h));
    }

    [Fact]
    public void A_reply_of_the_failure_route_is_generated_and_the_failed_one_absorbed()
    {
        var h = Started(h =>
        {
            h.Router.Request = ctx =>
            {
                ctx.DestinationUri = "sip:" + Uas;
                h.Tm.TOnFailure(ctx, "f");
                h.Tm.TRelay(ctx);
            };
            h.Router.Routes[(RouteTypes.Failure, "f")] = ctx => h.Tm.TReply(ctx, 503, "Failed Here");
        });
        h.FromUac(Invite(method: "MESSAGE"));
        var msg = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(msg, 100, "Trying"));
        h.FromUas(ReplyTo(msg, 503, "Service Unavailable"));
        Assert.Equal(503, Assert.Single(h.Net.To(Uac)).StatusCode);
        Assert.Equal((2, 0, 2, 1, 1), Replies(h));
    }
}

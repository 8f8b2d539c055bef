using Osprey.Core.Modules;
using Osprey.Modules.Acc;
using Osprey.Modules.Tests.Tm;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Acc;

/// <summary>acc driven by tm's transaction events: which lines appear when, for the flags of the acc manual.</summary>
public class AccTransactionTests
{
    private sealed class Capture : IAccLogWriter
    {
        public readonly List<string> Lines = [];
        public void Write(int level, string facility, string line)
        {
            lock (Lines) Lines.Add(line);
        }
    }

    private const int FltAcc = 1, FltMissed = 2, FltFailed = 3;

    private readonly Capture _log = new();

    private TmHarness Proxy(Action<Osprey.Modules.Acc.Acc>? configure = null, ulong flags = (1UL << FltAcc) | (1UL << FltMissed), Action<TmHarness>? more = null)
    {
        var h = new TmHarness();
        var acc = new Osprey.Modules.Acc.Acc { Server = h.Server, Tm = h.Tm, Log = _log, LogFlag = FltAcc, LogMissedFlag = FltMissed, FailedTransactionFlag = FltFailed };
        configure?.Invoke(acc);
        Assert.Null(acc.Init());
        h.Router.Request = ctx =>
        {
            if (ctx.Message.Method != Osprey.Sip.Message.SipMethod.Ack) ctx.Flags = flags;
            ctx.DestinationUri ??= "sip:" + Uas;
            more?.Invoke(h);
            h.Tm.TRelay(ctx);
        };
        return h;
    }

    private List<string> Lines()
    {
        lock (_log.Lines) return [.. _log.Lines];
    }

    [Fact]
    public void Answered_call_is_logged_once_when_the_200_goes_upstream()
    {
        var h = Proxy();
        h.FromUac(Invite());
        var fwd = Assert.Single(h.Net.To(Uas));
        h.FromUas(ReplyTo(fwd, 180, "Ringing", "callee1"));
        Assert.Empty(Lines()); // provisional replies are not accounted (early_media 0)
        h.FromUas(ReplyTo(fwd, 200, "OK", "callee1"));
        h.FromUas(ReplyTo(fwd, 200, "OK", "callee1")); // a retransmitted 200 is relayed, not accounted again
        var line = Assert.Single(Lines());
        Assert.StartsWith("ACC: transaction answered: ", line);
        Assert.Contains(";method=INVITE;from_tag=a1;to_tag=callee1;call_id=call-1;code=200;reason=OK", line);
    }

    [Fact]
    public void Busy_callee_is_a_missed_call_and_answered_only_with_the_failed_transaction_flag()
    {
        var h = Proxy();
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 486, "Busy Here", "callee1"));
        var line = Assert.Single(Lines());
        Assert.StartsWith("ACC: call missed: ", line);
        Assert.Contains(";to_tag=callee1;call_id=call-1;code=486;reason=Busy Here", line);

        _log.Lines.Clear();
        var h2 = Proxy(flags: (1UL << FltAcc) | (1UL << FltMissed) | (1UL << FltFailed));
        h2.FromUac(Invite());
        h2.FromUas(ReplyTo(h2.Net.To(Uas)[0], 486, "Busy Here", "callee1"));
        var lines = Lines();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("ACC: call missed: ", lines[0]);
        Assert.StartsWith("ACC: transaction answered: ", lines[1]);
        Assert.EndsWith(";code=486;reason=Busy Here", lines[1]);
    }

    [Fact]
    public void Serial_forking_logs_a_missed_call_per_leg_only_when_failure_route_sets_the_flag_again()
    {
        bool setAgain = true;
        var h = Proxy();
        h.Router.Request = ctx =>
        {
            ctx.Flags = 1UL << FltMissed;
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TOnFailure(ctx, "next");
            h.Tm.TRelay(ctx);
        };
        int legs = 0;
        h.Router.Routes[(RouteTypes.Failure, "next")] = ctx =>
        {
            // the missed-call flag was reset when the leg completed
            Assert.Equal(0UL, ctx.Flags & (1UL << FltMissed));
            if (++legs > 2) return 1;
            if (setAgain) ctx.Flags |= 1UL << FltMissed;
            setAgain = false;
            ctx.DestinationUri = "sip:" + Uas2;
            h.Tm.TOnFailure(ctx, "next");
            return h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 486, "Busy Here", "leg1"));
        int mark = h.Net.Mark;
        var second = Assert.Single(h.Net.To(Uas2));
        h.FromUas(ReplyTo(second, 480, "Temporarily Unavailable", "leg2"), Uas2);
        var third = h.Net.To(Uas2, mark).Where(m => m.Method == Osprey.Sip.Message.SipMethod.Invite).ToList();
        Assert.Single(third);
        h.FromUas(ReplyTo(third[0], 404, "Not Found", "leg3"), Uas2);
        var lines = Lines();
        // leg 1 (flag from the request route) and leg 2 (flag set again); leg 3 ran without it
        Assert.Equal(2, lines.Count);
        Assert.Contains(";to_tag=leg1;call_id=call-1;code=486;reason=Busy Here", lines[0]);
        Assert.Contains(";to_tag=leg2;call_id=call-1;code=480;reason=Temporarily Unavailable", lines[1]);
        Assert.Equal(404, h.Net.To(Uac).Last().StatusCode);
    }

    [Fact]
    public void Timeout_is_logged_with_the_generated_408()
    {
        var h = Proxy(flags: (1UL << FltAcc) | (1UL << FltMissed) | (1UL << FltFailed));
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 180, "Ringing", "callee1"));
        h.Clock.Advance(125_000); // fr_inv_timer
        Assert.Equal(408, h.Net.To(Uac).Last().StatusCode);
        var lines = Lines();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("ACC: call missed: ", lines[0]);
        Assert.EndsWith(";code=408;reason=Request Timeout", lines[0]);
        Assert.StartsWith("ACC: transaction answered: ", lines[1]);
        Assert.EndsWith(";code=408;reason=Request Timeout", lines[1]);
    }

    [Fact]
    public void Early_media_and_cancels_are_accounted_when_asked_for()
    {
        var h = Proxy(a => { a.EarlyMedia = 1; a.ReportCancels = 1; }, flags: (1UL << FltAcc) | (1UL << FltFailed));
        h.FromUac(Invite());
        var fwd = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(fwd, 180, "Ringing", "callee1")); // no body: not early media
        Assert.Empty(Lines());
        var sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
        var withBody = ReplyTo(fwd, 183, "Session Progress", "callee1", "Content-Type: application/sdp\r\n").Replace("Content-Length: 0\r\n\r\n", $"Content-Length: {sdp.Length}\r\n\r\n{sdp}");
        h.FromUas(withBody);
        Assert.EndsWith(";code=183;reason=Session Progress", Assert.Single(Lines()));

        h.FromUac(Cancel());
        var cancel = h.Net.To(Uas).Last();
        h.FromUas(ReplyTo(cancel, 200, "OK", "callee1"));
        h.FromUas(ReplyTo(fwd, 487, "Request Terminated", "callee1"));
        var lines = Lines();
        Assert.Contains(lines, l => l.Contains(";method=CANCEL;", StringComparison.Ordinal) && l.EndsWith(";code=200;reason=OK", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(";method=INVITE;", StringComparison.Ordinal) && l.EndsWith(";code=487;reason=Request Terminated", StringComparison.Ordinal));
    }

    [Fact]
    public void Cancel_is_not_accounted_by_default()
    {
        var h = Proxy(flags: (1UL << FltAcc) | (1UL << FltFailed));
        h.FromUac(Invite());
        var fwd = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(fwd, 180, "Ringing", "callee1"));
        h.FromUac(Cancel());
        h.FromUas(ReplyTo(fwd, 487, "Request Terminated", "callee1"));
        var line = Assert.Single(Lines());
        Assert.Contains(";method=INVITE;", line);
    }

    [Fact]
    public void Ack_of_the_200_is_reported_with_report_ack_by_the_invites_flags()
    {
        var h = Proxy(a => a.ReportAck = 1);
        h.Router.Request = ctx =>
        {
            // as Debian's kamailio.cfg: the INVITE is flagged, its ACK is not
            ctx.Flags = ctx.Message.Method == Osprey.Sip.Message.SipMethod.Invite ? 1UL << FltAcc : 0;
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        var fwd = h.Net.To(Uas)[0];
        h.FromUas(ReplyTo(fwd, 200, "OK", "callee1"));
        Assert.Single(Lines());
        h.FromUac(Invite(branch: "z9hG4bKack1", method: "ACK", toTag: "callee1"));
        var lines = Lines();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("ACC: request acknowledged: ", lines[1]);
        Assert.Contains(";method=ACK;from_tag=a1;to_tag=callee1;call_id=call-1;code=200;reason=OK", lines[1]);
    }

    [Fact]
    public void Ack_is_not_reported_without_report_ack_or_for_an_unaccounted_invite()
    {
        var h = Proxy();
        h.FromUac(Invite());
        h.FromUas(ReplyTo(h.Net.To(Uas)[0], 200, "OK", "callee1"));
        h.FromUac(Invite(branch: "z9hG4bKack1", method: "ACK", toTag: "callee1"));
        Assert.Single(Lines());

        _log.Lines.Clear();
        var h2 = Proxy(a => a.ReportAck = 1, flags: 0);
        h2.FromUac(Invite());
        h2.FromUas(ReplyTo(h2.Net.To(Uas)[0], 200, "OK", "callee1"));
        h2.FromUac(Invite(branch: "z9hG4bKack1", method: "ACK", toTag: "callee1"));
        Assert.Empty(Lines());
    }
}

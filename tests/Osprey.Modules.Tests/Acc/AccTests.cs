using Osprey.Modules.Acc;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Acc;

public class AccTests
{
    private sealed class Capture : IAccLogWriter
    {
        public readonly List<(int Level, string Facility, string Line)> Lines = [];
        public void Write(int level, string facility, string line) => Lines.Add((level, facility, line));
    }

    private readonly ModuleHarness _h = new();
    private readonly Capture _log = new();
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1795458302);

    private Osprey.Modules.Acc.Acc Module(Action<Osprey.Modules.Acc.Acc>? configure = null)
    {
        var acc = new Osprey.Modules.Acc.Acc { Server = _h.Server, Log = _log, Clock = () => Now, LogFlag = 1, LogMissedFlag = 2, FailedTransactionFlag = 3 };
        configure?.Invoke(acc);
        Assert.Null(acc.Init());
        return acc;
    }

    [Fact]
    public void AccLogRequestWritesKamailiosLine()
    {
        var acc = Module(a => a.LogExtra = "ua=$hdr(User-Agent);uuid=$avp(i:123)");
        Assert.Equal(1, _h.Call(Invite, c => acc.AccLogRequest(c, "200 test")));
        var (level, facility, line) = Assert.Single(_log.Lines);
        Assert.Equal(1, level);
        Assert.Equal("LOG_DAEMON", facility);
        // the line Kamailio 5.6.3 writes for the same request and config
        Assert.Equal("ACC: request accounted: timestamp=1795458302;method=INVITE;from_tag=ft1;to_tag=;call_id=call-1@example.org;code=200;reason=test;ua=TestUA/1.0;uuid=", line);
    }

    [Theory]
    [InlineData("hello there", "code=;reason=hello there")]
    [InlineData("4041", "code=404;reason=1")]
    [InlineData("486   Busy", "code=486;reason=Busy")]
    public void AccLogRequestCommentGivesCodeAndReason(string comment, string expected)
    {
        var acc = Module();
        _h.Run(Invite, c => acc.AccLogRequest(c, comment));
        Assert.EndsWith(expected, _log.Lines[0].Line);
    }

    [Fact]
    public void AnsweredTransactionWithLogFlag()
    {
        var acc = Module();
        _h.Run(Invite, c =>
        {
            c.Flags = 1 << 1;
            Assert.Equal(1, acc.AccountTransaction(c, 200, "OK", "uastag9"u8));
        });
        Assert.Equal("ACC: transaction answered: timestamp=1795458302;method=INVITE;from_tag=ft1;to_tag=uastag9;call_id=call-1@example.org;code=200;reason=OK", Assert.Single(_log.Lines).Line);
    }

    [Fact]
    public void FailedInviteIsAMissedCallAndAnsweredOnlyWithTheFailedTransactionFlag()
    {
        var acc = Module();
        _h.Run(Invite, c =>
        {
            c.Flags = (1 << 1) | (1 << 2) | (1 << 3);
            Assert.Equal(2, acc.AccountTransaction(c, 486, "Busy Here", "uastag9"u8));
        });
        Assert.StartsWith("ACC: call missed: ", _log.Lines[0].Line);
        Assert.StartsWith("ACC: transaction answered: ", _log.Lines[1].Line);
        Assert.EndsWith(";to_tag=uastag9;call_id=call-1@example.org;code=486;reason=Busy Here", _log.Lines[1].Line);

        _log.Lines.Clear();
        _h.Run(Invite, c =>
        {
            c.Flags = 1 << 1; // log_flag only: a failure is not logged
            Assert.Equal(0, acc.AccountTransaction(c, 486, "Busy Here", "t"u8));
        });
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public void MissedCallsAreInvitesOnly()
    {
        var acc = Module();
        var info = Invite.Replace("INVITE", "INFO");
        _h.Run(info, c =>
        {
            c.Flags = (1 << 1) | (1 << 2) | (1 << 3);
            acc.AccountTransaction(c, 404, "Not Here", default, localReply: true);
        });
        // as Kamailio logs t_reply("404", "Not Here"): the standard phrase and the request's (empty) To tag
        Assert.Equal("ACC: transaction answered: timestamp=1795458302;method=INFO;from_tag=ft1;to_tag=;call_id=call-1@example.org;code=404;reason=Not Found", Assert.Single(_log.Lines).Line);
    }

    [Fact]
    public void CancelIsAccountedOnlyWithReportCancels()
    {
        var cancel = Invite.Replace("INVITE", "CANCEL");
        var acc = Module();
        _h.Run(cancel, c => { c.Flags = 1 << 1; Assert.Equal(0, acc.AccountTransaction(c, 200, "OK")); });
        acc.ReportCancels = 1;
        _h.Run(cancel, c => { c.Flags = 1 << 1; Assert.Equal(1, acc.AccountTransaction(c, 200, "OK")); });
    }

    [Fact]
    public void DetectDirectionSwapsTagsForRequestsFromTheCallee()
    {
        var bye = Invite.Replace("INVITE sip:bob@example.com", "BYE sip:alice@192.0.2.7:40000").Replace("CSeq: 10 INVITE", "CSeq: 5 BYE")
            .Replace("From: \"Alice\" <sip:alice@example.org>;tag=ft1", "From: <sip:bob@example.com>;tag=bobtag")
            .Replace("To: <sip:bob@example.com>", "To: <sip:alice@example.org>;tag=ft1")
            .Replace("Max-Forwards: 70", "Max-Forwards: 70\nRoute: <sip:10.0.0.1;lr;ftag=ft1>");
        var acc = Module(a => a.DetectDirection = 1);
        _h.Run(bye, c => { c.Flags = 1 << 1; acc.AccountTransaction(c, 200, "OK", "ft1"u8); });
        Assert.Contains(";from_tag=ft1;to_tag=bobtag;", _log.Lines[0].Line);
    }

    [Fact]
    public void EarlyMediaAndAckAreAccountedOnlyWhenAskedFor()
    {
        var acc = Module();
        _h.Run(Invite, c => { c.Flags = 1 << 1; Assert.Equal(0, acc.AccountTransaction(c, 183, "Session Progress", "t1"u8)); });
        acc.EarlyMedia = 1;
        _h.Run(Invite, c => { c.Flags = 1 << 1; Assert.Equal(1, acc.AccountTransaction(c, 183, "Session Progress", "t1"u8)); });
        Assert.EndsWith(";code=183;reason=Session Progress", Assert.Single(_log.Lines).Line);

        var ack = Invite.Replace("INVITE sip", "ACK sip").Replace("CSeq: 10 INVITE", "CSeq: 10 ACK").Replace("To: <sip:bob@example.com>", "To: <sip:bob@example.com>;tag=t1");
        _log.Lines.Clear();
        _h.Run(ack, c => Assert.False(acc.AccountAck(c, 1 << 1)));
        acc.ReportAck = 1;
        _h.Run(ack, c => Assert.True(acc.AccountAck(c, 1 << 1)));
        _h.Run(ack, c => Assert.False(acc.AccountAck(c, 0)));
        Assert.StartsWith("ACC: request acknowledged: timestamp=1795458302;method=ACK;from_tag=ft1;to_tag=t1;", Assert.Single(_log.Lines).Line);
    }

    [Fact]
    public void BadLogExtraIsAStartupError()
    {
        var acc = new Osprey.Modules.Acc.Acc { LogExtra = "ua" };
        Assert.Contains("log_extra", acc.Init());
    }
}

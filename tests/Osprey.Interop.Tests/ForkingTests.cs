using System.Globalization;
using System.Text;
using Osprey.Interop.Tests.Support;
using Osprey.Sip.Message;

namespace Osprey.Interop.Tests;

/// <summary>
/// Forking through the osprey executable with real UDP peers (RFC 3261 §16.6–16.7): parallel forking
/// where the first 200 wins and the other branch is cancelled; serial forking by q with failure_route
/// moving on after 486 and after a timeout (408); a 6xx ending the search.
/// </summary>
public sealed class ForkingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-fork-").FullName;
    private readonly TestUa _a = new(OspreyProcess.FreePort()), _b = new(OspreyProcess.FreePort()), _c = new(OspreyProcess.FreePort());
    private readonly TestUa _caller = new(OspreyProcess.FreePort());

    private static string P(int p) => p.ToString(CultureInfo.InvariantCulture);

    private OspreyProcess Start()
    {
        string cfg = Path.Combine(_dir, "fork.cfg");
        File.WriteAllText(cfg, $$"""
            loadmodule "tm.so"
            loadmodule "tmx.so"
            loadmodule "sl.so"
            loadmodule "corex.so"
            loadmodule "textops.so"
            loadmodule "pv.so"
            loadmodule "xlog.so"
            modparam("tm", "fr_timer", 2000)
            modparam("tm", "fr_inv_timer", 2000)
            request_route {
              if (is_method("ACK")) { t_relay(); exit; }
              if ($rU == "parallel") {
                $ru = "sip:a@127.0.0.1:{{P(_a.Port)}}";
                append_branch("sip:b@127.0.0.1:{{P(_b.Port)}}");
                t_relay();
                exit;
              }
              $ru = "sip:a@127.0.0.1:{{P(_a.Port)}}";
              append_branch("sip:b@127.0.0.1:{{P(_b.Port)}}", "0.5");
              append_branch("sip:c@127.0.0.1:{{P(_c.Port)}}", "0.1");
              $avp(leg) = 1;
              t_load_contacts();
              t_next_contacts();
              t_on_failure("NEXT");
              t_relay();
            }
            failure_route[NEXT] {
              xlog("L_ERR", "FAILURE leg=$avp(leg) status=$T_reply_code\n");
              $avp(leg) = $avp(leg) + 1;
              if (t_is_canceled()) exit;
              if (t_next_contacts() > 0) {
                t_on_failure("NEXT");
                t_relay();
              }
            }
            """);
        return OspreyProcess.Start("-f", cfg);
    }

    /// <summary>The next message on <paramref name="ua"/> that satisfies <paramref name="want"/> (others skipped: 100, retransmissions).</summary>
    private static SipMessage Expect(TestUa ua, Func<SipMessage, bool> want, string what, OspreyProcess osprey, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            var m = ua.Receive(TimeSpan.FromMilliseconds(300));
            if (m is not null && want(m)) return m;
        }
        Assert.Fail("expected " + what + "\n" + osprey.Log);
        return null!;
    }

    // stderr is read asynchronously: a line may show up a little after the fact on a loaded machine
    private static bool LogShows(OspreyProcess osprey, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!osprey.Log.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(100);
        }
        return true;
    }

    private static bool Is(SipMessage m, SipMethod method) => m.IsRequest && m.Method == method;

    private static bool Final(SipMessage m) => m.IsReply && m.StatusCode >= 200 && m.CSeq.Method == SipMethod.Invite;

    [Fact]
    public void Parallel_first_200_wins_and_the_other_branch_gets_a_cancel()
    {
        using var osprey = Start();
        _caller.Send(osprey.Port, _caller.Invite(osprey.Port, "parallel"));
        var atA = Expect(_a, m => Is(m, SipMethod.Invite), "INVITE at a", osprey);
        var atB = Expect(_b, m => Is(m, SipMethod.Invite), "INVITE at b", osprey);
        Assert.NotEqual(atA.TopVia.BranchString, atB.TopVia.BranchString);
        _a.Send(osprey.Port, UasReplies.To(atA, 180, "Ringing", "ta"));
        _b.Send(osprey.Port, UasReplies.To(atB, 180, "Ringing", "tb"));
        _b.Send(osprey.Port, UasReplies.To(atB, 200, "OK", "tb", $"sip:b@127.0.0.1:{P(_b.Port)}"));

        var cancel = Expect(_a, m => Is(m, SipMethod.Cancel), "CANCEL at a", osprey);
        Assert.Equal(atA.TopVia.BranchString, cancel.TopVia.BranchString);
        _a.Send(osprey.Port, UasReplies.To(cancel, 200, "OK", "ta"));
        _a.Send(osprey.Port, UasReplies.To(atA, 487, "Request Terminated", "ta"));
        Expect(_a, m => Is(m, SipMethod.Ack), "ACK of the 487 at a", osprey);

        var final = Expect(_caller, Final, "the final reply at the caller", osprey);
        Assert.Equal(200, final.StatusCode);
        Assert.Equal("tb", final.To.TagString);
        // the 487 of the cancelled branch never reaches the caller
        Assert.DoesNotContain(_caller.Drain(800), m => m.IsReply && m.StatusCode >= 300);
    }

    [Fact]
    public void Serial_by_q_moves_on_after_486_and_after_a_timeout()
    {
        using var osprey = Start();
        _caller.Send(osprey.Port, _caller.Invite(osprey.Port, "serial"));
        var atA = Expect(_a, m => Is(m, SipMethod.Invite), "INVITE at a (q 1.0)", osprey);
        Assert.DoesNotContain(_b.Drain(300), m => Is(m, SipMethod.Invite)); // one target at a time
        _a.Send(osprey.Port, UasReplies.To(atA, 486, "Busy Here", "ta"));
        Expect(_a, m => Is(m, SipMethod.Ack), "ACK of the 486 at a", osprey);

        var atB = Expect(_b, m => Is(m, SipMethod.Invite), "INVITE at b (q 0.5) after the 486", osprey);
        Assert.Equal($"sip:b@127.0.0.1:{P(_b.Port)}", Encoding.UTF8.GetString(atB.RequestUriText));
        _b.Send(osprey.Port, UasReplies.To(atB, 180, "Ringing", "tb"));
        // b rings and never answers: after fr_inv_timer it is cancelled and c (q 0.1) is tried
        var cancel = Expect(_b, m => Is(m, SipMethod.Cancel), "CANCEL at b when fr_inv_timer fires", osprey);
        _b.Send(osprey.Port, UasReplies.To(cancel, 200, "OK", "tb"));
        _b.Send(osprey.Port, UasReplies.To(atB, 487, "Request Terminated", "tb"));
        var atC = Expect(_c, m => Is(m, SipMethod.Invite), "INVITE at c after the timeout", osprey);
        _c.Send(osprey.Port, UasReplies.To(atC, 200, "OK", "tc", $"sip:c@127.0.0.1:{P(_c.Port)}"));

        var finals = new List<SipMessage> { Expect(_caller, Final, "the final reply at the caller", osprey) };
        finals.AddRange(_caller.Drain(800).Where(Final));
        Assert.All(finals, f => Assert.Equal(200, f.StatusCode));
        Assert.Equal("tc", finals[0].To.TagString);
        // $avp set in the request route lives with the transaction across its failure routes
        Assert.True(LogShows(osprey, "FAILURE leg=1 status=486") && LogShows(osprey, "FAILURE leg=2 status=408"), osprey.Log);
    }

    [Fact]
    public void A_6xx_ends_the_serial_search()
    {
        using var osprey = Start();
        _caller.Send(osprey.Port, _caller.Invite(osprey.Port, "decline"));
        var atA = Expect(_a, m => Is(m, SipMethod.Invite), "INVITE at a", osprey);
        _a.Send(osprey.Port, UasReplies.To(atA, 603, "Decline", "ta"));
        var final = Expect(_caller, Final, "the final reply at the caller", osprey);
        Assert.Equal(603, final.StatusCode);
        Assert.DoesNotContain(_b.Drain(500), m => Is(m, SipMethod.Invite));
        Assert.DoesNotContain(_c.Drain(100), m => Is(m, SipMethod.Invite));
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
        _caller.Dispose();
        Directory.Delete(_dir, true);
    }
}

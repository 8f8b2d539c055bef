using System.Globalization;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// A call forked by Debian's kamailio.cfg (unchanged, through diff-wrapper.cfg) to the two contacts its
/// callee registered, both of which answer 200: through the installed Kamailio and through Osprey, the
/// caller receives both 200s (RFC 3261 §16.7 step 5), each callee the INVITE, and acc writes the same
/// lines — one "transaction answered" for the INVITE, with the first 200's To tag: Kamailio 5.6 does not
/// account the second 2xx of a forked INVITE, and neither does Osprey.
/// </summary>
public class ForkedAnswersDifferentialTests
{
    private sealed record Seen(List<string> Caller, List<string> Callee1, List<string> Callee2, List<string> Acc, string Errors);

    [Fact]
    public void Both_answers_of_a_forked_call_reach_the_caller_and_acc_logs_the_call_once()
    {
        string cfg = Path.Combine(AppContext.BaseDirectory, "TestData", "diff-wrapper.cfg");
        Seen viaKamailio, viaOsprey;
        using (var kamailio = KamailioProcess.Start(cfg))
        {
            viaKamailio = Run(kamailio.Port, () => kamailio.Log);
        }
        using (var osprey = OspreyProcess.Start("-f", cfg))
        {
            viaOsprey = Run(osprey.Port, () => osprey.Log);
        }
        Assert.True(viaKamailio.Errors.Length == 0, "through Kamailio: " + viaKamailio.Errors);
        Assert.True(viaOsprey.Errors.Length == 0, "through Osprey: " + viaOsprey.Errors);
        Assert.Equal(viaKamailio.Caller, viaOsprey.Caller);
        // the first message each callee received (a CANCEL may follow for the branch whose 200 the proxy
        // got second: it crosses that 200, at either server, as timing has it)
        Assert.Equal(viaKamailio.Callee1[0], viaOsprey.Callee1[0]);
        Assert.Equal(viaKamailio.Callee2[0], viaOsprey.Callee2[0]);
        Assert.Equal(viaKamailio.Acc, viaOsprey.Acc);
        // what was compared: two 200s at the caller, an INVITE at each callee, one acc line
        Assert.Equal(2, viaOsprey.Caller.Count(l => l.StartsWith("200/INVITE ", StringComparison.Ordinal)));
        Assert.Equal("INVITE mf=69 via=2 rr=1 route=0 totag=no", viaOsprey.Callee1[0]);
        Assert.Equal("INVITE mf=69 via=2 rr=1 route=0 totag=no", viaOsprey.Callee2[0]);
        var answered = Assert.Single(viaOsprey.Acc);
        Assert.StartsWith("transaction answered: method=INVITE;code=200;reason=OK;", answered);
    }

    private static Seen Run(int proxyPort, Func<string> serverLog)
    {
        string P(int p) => p.ToString(CultureInfo.InvariantCulture);
        string target = "127.0.0.1:" + P(proxyPort);
        var root = Directory.CreateTempSubdirectory("osprey-fork2-").FullName;
        try
        {
            int uas1 = OspreyProcess.FreePort(), uas2 = OspreyProcess.FreePort(), uacPort = OspreyProcess.FreePort();
            foreach (var contactPort in new[] { uas1, uas2 })
            {
                using var reg = Sipp.Start(root, "-sf", Sipp.Scenario("register-callee.xml"), "-s", "callee", "-key", "contact_port", P(contactPort),
                    "-i", "127.0.0.1", "-p", P(OspreyProcess.FreePort()), "-m", "1", "-timeout", "15s", target);
                Assert.True(reg.Wait(TimeSpan.FromSeconds(30)) == 0, "REGISTER failed: " + reg.Errors);
            }
            string d1 = Directory.CreateDirectory(Path.Combine(root, "callee1")).FullName;
            string d2 = Directory.CreateDirectory(Path.Combine(root, "callee2")).FullName;
            string dc = Directory.CreateDirectory(Path.Combine(root, "caller")).FullName;
            using var callee1 = Sipp.Start(d1, "-sf", Sipp.Scenario("diff/uas-answer-at-once.xml"), "-i", "127.0.0.1", "-p", P(uas1), "-m", "1", "-timeout", "20s", "-trace_msg");
            using var callee2 = Sipp.Start(d2, "-sf", Sipp.Scenario("diff/uas-answer-at-once.xml"), "-i", "127.0.0.1", "-p", P(uas2), "-m", "1", "-timeout", "20s", "-trace_msg");
            Thread.Sleep(400);
            using var caller = Sipp.Start(dc, "-sf", Sipp.Scenario("diff/uac-two-answers.xml"), "-s", "callee", "-i", "127.0.0.1", "-p", P(uacPort),
                "-m", "1", "-timeout", "20s", "-trace_msg", target);
            int rc = caller.Wait(TimeSpan.FromSeconds(30));
            // the callees are compared by what they received; the one the proxy also CANCELled (its 200
            // crossed the CANCEL) does not always end on its own, so both are stopped here
            Thread.Sleep(1500); // also lets the servers' stderr (read asynchronously) catch up
            string errors = rc == 0 ? "" : $"caller sipp exit {rc} {caller.Errors}";
            // which contact rings first is not fixed: the callees are compared in port order
            var (first, second) = uas1 < uas2 ? (d1, d2) : (d2, d1);
            return new Seen(KamailioDifferentialCallTests.Received(dc), KamailioDifferentialCallTests.Received(first), KamailioDifferentialCallTests.Received(second),
                KamailioDifferentialCallTests.AccLines(serverLog()), errors.Trim());
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}

using System.Globalization;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>Debian's kamailio.cfg (Kamailio 5.6.3's /etc/kamailio/kamailio.cfg, copied into TestData
/// unmodified), with real SIPp peers. The embedded default configuration: EmbeddedDefaultConfigTests.</summary>
public class DefaultConfigCallTests
{
    private static string DefaultConfig => Path.Combine(AppContext.BaseDirectory, "TestData", "debian-kamailio.cfg");

    [Fact]
    public void Registered_callee_is_reached_through_the_stateful_proxy()
    {
        using var osprey = OspreyProcess.Start("-f", DefaultConfig);
        RegisterAndCall(osprey);
    }

    /// <summary>
    /// Issue 4's loss run: the unmodified Debian config carries INVITE/180/200/ACK/BYE calls between a
    /// SIPp caller and a SIPp callee that both drop 10% of what they send and receive (-lost 10), and
    /// every call completes: tm's retransmissions (Timer A, E) towards the callee, its absorption of the
    /// caller's retransmissions and its resending of the last reply, and its forwarding of the callee's
    /// retransmitted 200s do the work. acc (the config accounts INVITE and BYE) writes exactly one
    /// "transaction answered" line (200) per INVITE, however often it was retransmitted, and one per BYE.
    /// </summary>
    [Fact]
    public void Calls_with_ten_percent_packet_loss_at_caller_and_callee_all_complete()
    {
        const int calls = 300;
        using var osprey = OspreyProcess.Start("-f", DefaultConfig);
        var dir = Directory.CreateTempSubdirectory("osprey-loss-").FullName;
        try
        {
            string target = "127.0.0.1:" + osprey.Port.ToString(CultureInfo.InvariantCulture);
            int uasPort = OspreyProcess.FreePort(), regPort = OspreyProcess.FreePort(), uacPort = OspreyProcess.FreePort();
            string P(int p) => p.ToString(CultureInfo.InvariantCulture);
            RegisterCallee(osprey, dir, target, uasPort, regPort);
            string uasDir = Directory.CreateDirectory(Path.Combine(dir, "uas")).FullName;
            string uacDir = Directory.CreateDirectory(Path.Combine(dir, "uac")).FullName;
            using var uas = Sipp.Start(uasDir, "-sf", Sipp.Scenario("call-uas-lossy.xml"), "-i", "127.0.0.1", "-p", P(uasPort), "-lost", "10",
                "-timeout", "120s", "-trace_err");
            Thread.Sleep(500);
            using var uac = Sipp.Start(uacDir, "-sf", Sipp.Scenario("call-uac.xml"), "-s", "callee", "-i", "127.0.0.1", "-p", P(uacPort),
                "-m", P(calls), "-r", "20", "-lost", "10", "-timeout", "90s", "-trace_stat", "-trace_err", target);
            var stats = uac.AssertAllCallsSucceeded(calls, TimeSpan.FromSeconds(120), UasAborts(uasDir) + osprey.Log[^Math.Min(osprey.Log.Length, 20000)..]);
            // the loss was real: SIPp retransmitted
            Assert.True(Sipp.Count(stats, "Retransmissions(C)") > 0, "no retransmissions: was -lost applied?");
            string aborts = UasAborts(uasDir);
            Assert.True(aborts.Length == 0, "the callee aborted calls:\n" + aborts);
            // acc: one line per transaction, none for a retransmission. A BYE whose 200 the caller lost
            // several times over is still retransmitted after tm's BYE transaction is gone (wt_timer, 5 s,
            // which Kamailio uses for RFC 3261 Timer J): that late copy is a new transaction and is
            // accounted again, so BYE lines are counted by Call-ID.
            osprey.WaitFor(() => Answered(osprey.Log, "BYE").Select(CallId).Distinct().Count() >= calls, "an acc line for every BYE");
            var invites = Answered(osprey.Log, "INVITE");
            Assert.Equal(calls, invites.Count);
            Assert.All(invites, l => Assert.Contains(";code=200;", l));
            Assert.Equal(calls, Answered(osprey.Log, "BYE").Select(CallId).Distinct().Count());
            Assert.DoesNotContain("ACC: call missed:", osprey.Log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>acc's "transaction answered" lines for a method.</summary>
    private static List<string> Answered(string log, string method) =>
        log.Split('\n').Where(l => l.Contains("ACC: transaction answered:", StringComparison.Ordinal) && l.Contains("method=" + method + ";", StringComparison.Ordinal)).ToList();

    private static string CallId(string accLine) => accLine[accLine.IndexOf("call_id=", StringComparison.Ordinal)..].Split(';')[0];

    /// <summary>The calls the callee SIPp aborted, from its -trace_err log.</summary>
    private static string UasAborts(string dir)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var f in Directory.GetFiles(dir, "*_errors.log"))
            foreach (var line in File.ReadLines(f))
            {
                // see above: a BYE retransmitted after tm's transaction is gone reaches the callee as a new
                // request; SIPp answers it 200 itself (and logs the call as aborted), as it would behind Kamailio
                if (line.Contains("Aborting call", StringComparison.Ordinal) && !line.Contains("unexpected BYE", StringComparison.Ordinal))
                    sb.AppendLine(line.Length > 300 ? line[..300] : line);
            }
        return sb.ToString();
    }

    // the callee (user "callee", contact on contactPort) registers through the config's REGISTRAR route
    private static void RegisterCallee(OspreyProcess osprey, string dir, string target, int contactPort, int fromPort)
    {
        string P(int p) => p.ToString(CultureInfo.InvariantCulture);
        using var reg = Sipp.Start(dir, "-sf", Sipp.Scenario("register-callee.xml"), "-s", "callee", "-key", "contact_port", P(contactPort),
            "-i", "127.0.0.1", "-p", P(fromPort), "-m", "1", "-timeout", "15s", target);
        Assert.True(reg.Wait(TimeSpan.FromSeconds(30)) == 0, "REGISTER failed: " + reg.Errors + osprey.Log);
    }

    private static void RegisterAndCall(OspreyProcess osprey)
    {
        var dir = Directory.CreateTempSubdirectory("osprey-call-").FullName;
        try
        {
            string target = "127.0.0.1:" + osprey.Port.ToString(CultureInfo.InvariantCulture);
            int uasPort = OspreyProcess.FreePort(), regPort = OspreyProcess.FreePort(), uacPort = OspreyProcess.FreePort();
            string P(int p) => p.ToString(CultureInfo.InvariantCulture);

            // the callee registers through the config's REGISTRAR route (usrloc in memory)
            RegisterCallee(osprey, dir, target, uasPort, regPort);
            using var uas = Sipp.Start(dir, "-sf", Sipp.Scenario("call-uas.xml"), "-i", "127.0.0.1", "-p", P(uasPort), "-timeout", "60s");
            Thread.Sleep(500);
            using var uac = Sipp.Start(dir, "-sf", Sipp.Scenario("call-uac.xml"), "-s", "callee", "-i", "127.0.0.1", "-p", P(uacPort),
                "-m", "200", "-r", "50", "-timeout", "45s", "-trace_stat", "-trace_err", target);
            uac.AssertAllCallsSucceeded(200, TimeSpan.FromSeconds(60), osprey.Log);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

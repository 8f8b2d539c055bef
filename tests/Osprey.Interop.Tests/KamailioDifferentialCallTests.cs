using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// Issue 4's differential check: the same SIPp call flows through the installed Kamailio and through
/// Osprey, both running Debian's kamailio.cfg (unchanged, imported by a wrapper that shortens the final
/// response timers and turns acc's report_ack on), compared by what each SIPp endpoint receives: methods and status codes, a request's Max-Forwards, the number
/// of Via, Record-Route and Route entries, and whether To carries a tag. The acc lines both write for the
/// same calls (the default config accounts INVITEs) are compared by event, method, code, reason and the
/// config's log_extra values.
/// </summary>
public partial class KamailioDifferentialCallTests
{
    private sealed record Flow(string Name, string Uac, string Uas, params string[] UacArgs);

    private static readonly Flow[] Flows =
    [
        new("call", "call-uac.xml", "call-uas.xml", "-d", "300"),
        new("busy", "diff/uac-busy.xml", "diff/uas-busy.xml"),
        new("cancel", "diff/uac-cancel.xml", "diff/uas-cancel.xml"),
        new("no answer", "diff/uac-noanswer.xml", "diff/uas-noanswer.xml"),
    ];

    private sealed record FlowResult(List<string> Uac, List<string> Uas, string Errors);

    [Fact]
    public void Call_flows_through_kamailio_and_osprey_look_the_same_to_caller_and_callee()
    {
        string cfg = Path.Combine(AppContext.BaseDirectory, "TestData", "diff-wrapper.cfg");
        Dictionary<string, FlowResult> viaKamailio, viaOsprey;
        List<string> accKamailio, accOsprey;
        using (var kamailio = KamailioProcess.Start(cfg))
        {
            viaKamailio = RunFlows(kamailio.Port);
            accKamailio = SettledAccLines(() => kamailio.Log);
        }
        using (var osprey = OspreyProcess.Start("-f", cfg))
        {
            viaOsprey = RunFlows(osprey.Port);
            accOsprey = SettledAccLines(() => osprey.Log);
        }

        var report = new StringBuilder();
        foreach (var f in Flows)
        {
            var k = viaKamailio[f.Name];
            var o = viaOsprey[f.Name];
            Assert.True(k.Errors.Length == 0, $"{f.Name} through Kamailio: {k.Errors}");
            Compare(report, f.Name + " / caller", k.Uac, o.Uac);
            Compare(report, f.Name + " / callee", k.Uas, o.Uas);
            if (o.Errors.Length > 0) report.Append(f.Name).Append(" through Osprey: ").AppendLine(o.Errors);
        }
        // as a set: Kamailio's worker processes write their lines concurrently, so the INVITE's 200 line
        // and the ACK's line (written by the process that got the ACK) come in either order
        Compare(report, "acc lines", [.. accKamailio.Order(StringComparer.Ordinal)], [.. accOsprey.Order(StringComparer.Ordinal)]);
        Assert.True(report.Length == 0, "Osprey differs from Kamailio:\n" + report);
        // the comparison is not empty: every flow was seen at both ends
        Assert.Contains("BYE mf=69 via=2 rr=0 route=0 totag=yes", viaOsprey["call"].Uas);
        Assert.Contains("ACK mf=69 via=2 rr=0 route=0 totag=yes", viaOsprey["call"].Uas);
        Assert.Contains("408/INVITE via=1 rr=0 route=0 totag=yes", viaOsprey["no answer"].Uac);
        // log_extra of Debian's config: src_user=$fU;src_domain=$fd;src_ip=$si;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd
        const string extra = ";src_user=caller;src_domain=127.0.0.1;src_ip=127.0.0.1;dst_ouser=callee;dst_user=callee;dst_domain=127.0.0.1";
        Assert.Contains("call missed: method=INVITE;code=486;reason=Busy Here" + extra, accOsprey);
        Assert.Contains(accOsprey, l => l.StartsWith("request acknowledged: method=ACK;code=200;reason=OK;src_user=caller;", StringComparison.Ordinal));
    }

    private static void Compare(StringBuilder report, string what, List<string> kamailio, List<string> osprey)
    {
        if (kamailio.SequenceEqual(osprey)) return;
        report.Append("-- ").Append(what).AppendLine(":");
        report.Append("   kamailio: ").AppendLine(string.Join(" | ", kamailio));
        report.Append("   osprey:   ").AppendLine(string.Join(" | ", osprey));
    }

    private static Dictionary<string, FlowResult> RunFlows(int proxyPort)
    {
        string P(int p) => p.ToString(CultureInfo.InvariantCulture);
        string target = "127.0.0.1:" + P(proxyPort);
        var root = Directory.CreateTempSubdirectory("osprey-diff-").FullName;
        try
        {
            int uasPort = OspreyProcess.FreePort(), regPort = OspreyProcess.FreePort(), uacPort = OspreyProcess.FreePort();
            using (var reg = Sipp.Start(root, "-sf", Sipp.Scenario("register-callee.xml"), "-s", "callee", "-key", "contact_port", P(uasPort),
                       "-i", "127.0.0.1", "-p", P(regPort), "-m", "1", "-timeout", "15s", target))
            {
                Assert.True(reg.Wait(TimeSpan.FromSeconds(30)) == 0, "REGISTER failed: " + reg.Errors);
            }
            var results = new Dictionary<string, FlowResult>();
            foreach (var f in Flows)
            {
                string uasDir = Directory.CreateDirectory(Path.Combine(root, f.Name.Replace(' ', '-') + "-uas")).FullName;
                string uacDir = Directory.CreateDirectory(Path.Combine(root, f.Name.Replace(' ', '-') + "-uac")).FullName;
                using var uas = Sipp.Start(uasDir, "-sf", Sipp.Scenario(f.Uas), "-i", "127.0.0.1", "-p", P(uasPort), "-m", "1", "-timeout", "40s", "-trace_msg");
                Thread.Sleep(400);
                using var uac = Sipp.Start(uacDir, ["-sf", Sipp.Scenario(f.Uac), "-s", "callee", "-i", "127.0.0.1", "-p", P(uacPort), "-m", "1",
                    "-timeout", "40s", "-trace_msg", .. f.UacArgs, target]);
                int uacExit = uac.Wait(TimeSpan.FromSeconds(50));
                int uasExit = uas.Wait(TimeSpan.FromSeconds(15));
                string errors = (uacExit == 0 ? "" : $"caller sipp exit {uacExit} {uac.Errors} ") + (uasExit == 0 ? "" : $"callee sipp exit {uasExit} {uas.Errors}");
                results[f.Name] = new FlowResult(Received(uacDir), Received(uasDir), errors.Trim());
            }
            return results;
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    /// <summary>What an endpoint received, from SIPp's -trace_msg log, one normalised line per message.</summary>
    internal static List<string> Received(string dir)
    {
        var list = new List<string>();
        var file = Directory.GetFiles(dir, "*_messages.log").SingleOrDefault();
        if (file is null) return list;
        var blocks = File.ReadAllText(file).Split("----------------------------------------------- ");
        foreach (var block in blocks)
        {
            int nl = block.IndexOf('\n');
            if (nl < 0) continue;
            var rest = block[(nl + 1)..];
            int head = rest.IndexOf('\n');
            if (head < 0 || !rest[..head].Contains("message received", StringComparison.Ordinal)) continue;
            list.Add(Normalise(rest[(head + 1)..]));
        }
        return list;
    }

    internal static string Normalise(string message)
    {
        var lines = message.Replace("\r", "", StringComparison.Ordinal).Split('\n').SkipWhile(string.IsNullOrWhiteSpace).ToList();
        if (lines.Count == 0) return "(empty)";
        string start = lines[0].StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? lines[0].Split(' ')[1] : lines[0].Split(' ')[0];
        int via = 0, rr = 0, route = 0;
        string mf = "-";
        bool toTag = false;
        string cseq = "";
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) break;
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            string name = line[..colon].Trim().ToLowerInvariant();
            string value = line[(colon + 1)..];
            int entries = value.Split(',').Length;
            switch (name)
            {
                case "via" or "v": via += entries; break;
                case "record-route": rr += entries; break;
                case "route": route += entries; break;
                case "to" or "t": toTag = value.Contains(";tag=", StringComparison.OrdinalIgnoreCase); break;
                case "max-forwards": mf = value.Trim(); break;
                case "cseq": cseq = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? ""; break;
            }
        }
        if (lines[0].StartsWith("SIP/2.0 ", StringComparison.Ordinal)) start += "/" + cseq;
        string hops = lines[0].StartsWith("SIP/2.0 ", StringComparison.Ordinal) ? "" : " mf=" + mf;
        return $"{start}{hops} via={via} rr={rr} route={route} totag={(toTag ? "yes" : "no")}";
    }

    [GeneratedRegex(@"ACC: ([a-z ]+): timestamp=\d+;method=([^;]*);from_tag=[^;]*;to_tag=[^;]*;call_id=[^;]*;code=([^;]*);reason=([^;\r\n]*)([^\r\n]*)")]
    private static partial Regex AccLine();

    /// <summary>The acc lines of a server's log once they stop coming: stderr is read asynchronously and a
    /// loaded machine may deliver the last lines late. At most 15 s.</summary>
    private static List<string> SettledAccLines(Func<string> log)
    {
        // every flow writes at least one line (the call writes three)
        int expectedAtLeast = Flows.Length + 2;
        var lines = AccLines(log());
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(250);
            var now = AccLines(log());
            if (now.Count != lines.Count) stableSince = DateTime.UtcNow;
            lines = now;
            if (lines.Count >= expectedAtLeast && DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(1)) break;
        }
        return lines;
    }

    internal static List<string> AccLines(string log)
    {
        var list = new List<string>();
        foreach (Match m in AccLine().Matches(log))
        {
            list.Add($"{m.Groups[1].Value}: method={m.Groups[2].Value};code={m.Groups[3].Value};reason={m.Groups[4].Value}{m.Groups[5].Value.TrimEnd()}");
        }
        return list;
    }
}

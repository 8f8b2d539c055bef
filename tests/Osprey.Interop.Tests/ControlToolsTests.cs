using System.Text.Json;
using System.Text.RegularExpressions;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// Debian's stock kamcmd and kamctl against Osprey and against the real Kamailio, both running the same
/// kamailio.cfg (tm, usrloc, registrar, ctl, jsonrpcs) with one registered contact: the answers must have
/// the same shape, and kamctl must work through a kamctlrc alone.
/// </summary>
public sealed partial class ControlToolsTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-tools-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(string dir, int port) =>
        RealKamailio.Config(dir, port, ["tm", "tmx", "pv", "textops", "usrloc", "registrar"],
            "if (is_method(\"REGISTER\")) { save(\"location\"); exit; }\nsl_send_reply(\"200\", \"OK\");\nexit;");

    private static void RegisterAlice(int port)
    {
        using var ua = new TestUa();
        ua.Send(port, "REGISTER sip:127.0.0.1 SIP/2.0\r\n" +
            $"Via: SIP/2.0/UDP 127.0.0.1:{ua.Port};branch=z9hG4bKreg{port}\r\n" +
            "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:alice@127.0.0.1>\r\n" +
            $"Call-ID: reg-{port}@127.0.0.1\r\nCSeq: 1 REGISTER\r\n" +
            "Contact: <sip:alice@127.0.0.1:5999>;expires=600\r\nUser-Agent: test\r\nContent-Length: 0\r\n\r\n");
        var reply = ua.Receive(TimeSpan.FromSeconds(10));
        Assert.NotNull(reply);
        Assert.Equal(200, reply.StatusCode);
    }

    /// <summary>Osprey started with the shared configuration (<see cref="Config"/> unless another is
    /// given), its sockets in a private directory.</summary>
    private OspreyProcess StartOsprey(out string dir, Func<string, int, string>? config = null)
    {
        dir = Path.Combine(_dir, "osprey");
        Directory.CreateDirectory(dir);
        string cfg = Path.Combine(dir, "osprey.cfg");
        File.WriteAllText(cfg, (config ?? Config)(dir, 5060)); // listen= is replaced by OspreyProcess's -l
        var osprey = OspreyProcess.Start("-f", cfg);
        string d = dir;
        osprey.WaitFor(() => File.Exists(Path.Combine(d, "ctl.sock")) && File.Exists(Path.Combine(d, "rpc.fifo")), "the ctl socket and the FIFO");
        return osprey;
    }

    /// <summary>Debian's kamcmd against a binrpc socket: its output, after checking it exited 0 with no error.</summary>
    internal static async Task<string> Kamcmd(string socket, params string[] command)
    {
        string kamcmd = ExternalTool.Require("kamcmd", "kamailio");
        var (exit, output, err) = await ExternalTool.RunAsync(kamcmd, ["-s", "unix:" + socket, .. command], Deadline);
        Assert.True(exit == 0, "kamcmd " + string.Join(' ', command) + " exited " + exit + ": " + err);
        Assert.DoesNotContain("error", output, StringComparison.Ordinal);
        return output;
    }

    [GeneratedRegex(@"^(\t*)([^:\n]+):[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex KeyAndValue();

    /// <summary>kamcmd's output with the values taken out: nesting and names only.</summary>
    private static string Shape(string kamcmdOutput) => KeyAndValue().Replace(kamcmdOutput, "$1$2:");

    [Theory]
    [InlineData("ul.dump")]
    [InlineData("ul.dump", "brief")]
    [InlineData("ul.lookup", "location", "alice")]
    [InlineData("tm.stats")]
    public async Task Kamcmd_prints_the_same_shape_for_Osprey_and_Kamailio(params string[] command)
    {
        await using var kamailio = await RealKamailio.StartAsync(Config);
        using var osprey = StartOsprey(out var dir);
        RegisterAlice(kamailio.Port);
        RegisterAlice(osprey.Port);
        string k = await Kamcmd(kamailio.CtlSocket, command), o = await Kamcmd(Path.Combine(dir, "ctl.sock"), command);
        Assert.Contains(":", k);
        Assert.Equal(Shape(k), Shape(o));
        if (command[0] != "tm.stats")
        {
            Assert.Contains("AoR: alice", o);
            if (command.Length == 1 || command[1] != "brief")
            {
                Assert.Contains("Address: sip:alice@127.0.0.1:5999", o);
                Assert.Matches(@"\tExpires: (600|59\d)\n", o);
                Assert.Contains("Call-ID: reg-" + osprey.Port + "@127.0.0.1", o);
            }
        }
    }

    /// <summary>The modules of the SIPp benchmark's configuration (bench/sipp/bench.cfg), with a route that
    /// names the location table (usrloc registers its per-table statistics for it).</summary>
    private static string BenchModulesConfig(string dir, int port) =>
        RealKamailio.Config(dir, port, ["corex", "tm", "tmx", "rr", "pv", "maxfwd", "sanity", "textops", "siputils", "usrloc", "registrar"],
            "if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; }\n" +
            "if (!sanity_check()) exit;\n" +
            "if (is_method(\"REGISTER\")) { save(\"location\"); exit; }\n" +
            "if (!lookup(\"location\")) { sl_send_reply(\"404\", \"Not Found\"); exit; }\n" +
            "record_route();\nt_relay();\nexit;");

    private static IReadOnlyList<string> StatisticNames(string kamcmdOutput) =>
        [.. kamcmdOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.IndexOf(" = ", StringComparison.Ordinal)])];

    [Fact]
    public async Task Osprey_lists_every_statistic_Kamailio_lists_for_the_same_modules()
    {
        await using var kamailio = await RealKamailio.StartAsync(BenchModulesConfig);
        using var osprey = StartOsprey(out var dir, BenchModulesConfig);
        var k = StatisticNames(await Kamcmd(kamailio.CtlSocket, "stats.get_statistics", "all"));
        var o = StatisticNames(await Kamcmd(Path.Combine(dir, "ctl.sock"), "stats.get_statistics", "all"));
        Assert.Contains("usrloc:location_contacts", k); // the module set is the one we meant
        Assert.Contains("tmx:rpl_relayed", k);
        var missing = k.Except(o, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Kamailio lists, Osprey does not: " + string.Join(", ", missing));
    }

    private Dictionary<string, string> KamctlHome(string fifo)
    {
        // kamctl reads ~/.kamctlrc after /etc/kamailio/kamctlrc: HOME points at a private one.
        string home = Path.Combine(_dir, "home-" + Path.GetFileName(Path.GetDirectoryName(fifo)));
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(home, ".kamctlrc"), "CTLENGINE=RPCFIFO\nRPCFIFOPATH=" + fifo + "\n");
        return new Dictionary<string, string> { ["HOME"] = home, ["TERM"] = "dumb" };
    }

    private static async Task<string> Kamctl(Dictionary<string, string> env, params string[] args)
    {
        string kamctl = ExternalTool.Require("kamctl", "kamailio");
        var (exit, output, err) = await ExternalTool.RunAsync(kamctl, args, Deadline, env);
        Assert.True(exit == 0, "kamctl " + string.Join(' ', args) + " exited " + exit + ": " + output + err);
        return output;
    }

    /// <summary>Object keys and value kinds, recursively (arrays by their first element).</summary>
    private static string JsonShape(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().Select(p => p.Name + ":" + JsonShape(p.Value))) + "}",
        JsonValueKind.Array => "[" + (e.GetArrayLength() == 0 ? "" : JsonShape(e[0])) + "]",
        JsonValueKind.String => "s",
        JsonValueKind.Number => "n",
        _ => e.ValueKind.ToString(),
    };

    [Fact]
    public async Task Kamctl_ul_show_stats_and_monitor_work_against_Osprey_through_kamctlrc()
    {
        await using var kamailio = await RealKamailio.StartAsync(Config);
        using var osprey = StartOsprey(out var dir);
        RegisterAlice(kamailio.Port);
        RegisterAlice(osprey.Port);
        var oEnv = KamctlHome(Path.Combine(dir, "rpc.fifo"));
        var kEnv = KamctlHome(kamailio.Fifo);

        string oShow = await Kamctl(oEnv, "ul", "show"), kShow = await Kamctl(kEnv, "ul", "show");
        using (var o = JsonDocument.Parse(oShow))
        using (var k = JsonDocument.Parse(kShow))
        {
            var oResult = o.RootElement.GetProperty("result");
            Assert.Equal(JsonShape(k.RootElement.GetProperty("result")), JsonShape(oResult));
            var contact = oResult.GetProperty("Domains")[0].GetProperty("Domain").GetProperty("AoRs")[0].GetProperty("Info");
            Assert.Equal("alice", contact.GetProperty("AoR").GetString());
            Assert.Equal("sip:alice@127.0.0.1:5999", contact.GetProperty("Contacts")[0].GetProperty("Contact").GetProperty("Address").GetString());
        }

        string oStats = await Kamctl(oEnv, "stats");
        using (var o = JsonDocument.Parse(oStats))
        {
            var lines = o.RootElement.GetProperty("result").EnumerateArray().Select(l => l.GetString()!).ToList();
            Assert.Contains("usrloc:registered_users = 1", lines);
            Assert.Contains(lines, l => l.StartsWith("core:rcv_requests = ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("tmx:UAS_transactions = ", StringComparison.Ordinal));
        }
        string oGroup = await Kamctl(oEnv, "stats", "usrloc");
        Assert.Contains("usrloc:registered_users = 1", oGroup);
        Assert.DoesNotContain("core:", oGroup);

        string monitor = await Kamctl(oEnv, "monitor", "1");
        Assert.Contains("[cycle #: 1", monitor);
        Assert.Contains("osprey ", monitor);
        Assert.Matches(@"uptime: \d+", monitor);
        Assert.Contains("usrloc:registered_users = 1", monitor);
        Assert.Matches(@"core:rcv_requests = [1-9]", monitor);
    }
}

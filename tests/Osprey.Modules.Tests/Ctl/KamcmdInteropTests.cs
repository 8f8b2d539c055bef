using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Osprey.Modules.Ctl;
using Osprey.Modules.Tests.Rpc;

namespace Osprey.Modules.Tests.Ctl;

/// <summary>
/// Debian's stock <c>kamcmd</c> against Osprey's ctl socket, and the same commands against the real
/// Kamailio (started here on a private unix socket), compared by shape.
/// </summary>
public sealed partial class KamcmdInteropTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [GeneratedRegex(@"^\{\n\tnow: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\tup_since: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\tuptime: \d+\n\}\n?$")]
    private static partial Regex UptimeShape();

    [GeneratedRegex(@"^\S+ \d+\.\d+\.\d+ \([\w]+/[\w]+\) ?\n?$")]
    private static partial Regex VersionShape();

    [GeneratedRegex(@"^[A-Za-z0-9_]+:[A-Za-z0-9_]+ = \d+$")]
    private static partial Regex StatLine();

    private static async Task<string> Kamcmd(string socket, params string[] command)
    {
        string kamcmd = ExternalTool.Require("kamcmd", "kamailio");
        var (exit, output, err) = await ExternalTool.RunAsync(kamcmd, ["-s", socket, .. command], Deadline);
        Assert.True(exit == 0, "kamcmd " + string.Join(' ', command) + " exited " + exit + ": " + err);
        Assert.DoesNotContain("error", output, StringComparison.Ordinal);
        return output;
    }

    [Fact]
    public async Task Kamcmd_output_from_Osprey_has_the_shape_it_has_from_Kamailio()
    {
        await using var osprey = await ControlTestServer.StartAsync();
        await using var kamailio = await RealKamailio.StartAsync();
        string o = "unix:" + osprey.CtlSocket, k = "unix:" + kamailio.CtlSocket;

        string oUp = await Kamcmd(o, "core.uptime"), kUp = await Kamcmd(k, "core.uptime");
        Assert.Matches(UptimeShape(), kUp);
        Assert.Matches(UptimeShape(), oUp);

        string oVer = await Kamcmd(o, "core.version"), kVer = await Kamcmd(k, "core.version");
        Assert.Matches(VersionShape(), kVer);
        Assert.Matches(VersionShape(), oVer);
        Assert.StartsWith("osprey ", oVer);

        osprey.SendOptions(1);
        var oStats = (await Kamcmd(o, "stats.get_statistics", "all")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var kStats = (await Kamcmd(k, "stats.get_statistics", "all")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(kStats, l => Assert.Matches(StatLine(), l));
        Assert.All(oStats, l => Assert.Matches(StatLine(), l));
        // The core group has Kamailio's names, in the same (sorted) order.
        var kCore = kStats.Where(l => l.StartsWith("core:", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(' ')]).ToList();
        var oCore = oStats.Where(l => l.StartsWith("core:", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(' ')]).ToList();
        Assert.NotEmpty(kCore);
        Assert.Equal(kCore.Where(oCore.Contains), oCore.Where(kCore.Contains));
        Assert.Contains("core:rcv_requests_options = 1", oStats);

        var oMethods = (await Kamcmd(o, "system.listMethods")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("core.uptime", oMethods);
        Assert.Contains("stats.get_statistics", oMethods);
        Assert.Equal(oMethods.Order(StringComparer.Ordinal), oMethods);

        string help = await Kamcmd(o, "system.methodHelp", "core.uptime");
        Assert.Contains("uptime", help, StringComparison.OrdinalIgnoreCase);
        string psx = await Kamcmd(o, "core.psx");
        Assert.Contains("\tPID: " + Environment.ProcessId, psx);
    }

    [Fact]
    public async Task Kamcmd_sees_a_fault_for_an_unknown_command_like_Kamailio_reports_it()
    {
        string kamcmd = ExternalTool.Require("kamcmd", "kamailio");
        await using var osprey = await ControlTestServer.StartAsync();
        var (_, output, err) = await ExternalTool.RunAsync(kamcmd, ["-s", "unix:" + osprey.CtlSocket, "no.such"], Deadline);
        Assert.Contains("error: 500 - command no.such not found", output + err);
    }

    /// <summary>What kamcmd printed for Kamailio 5.6's ul.dump (observed), with two contacts trimmed to two fields.</summary>
    private const string KamailioUlDumpShape = "{\n\tDomains: {\n\t\tDomain: {\n\t\t\tDomain: location\n\t\t\tSize: 1024\n\t\t\tAoRs: {\n" +
        "\t\t\t\tInfo: {\n\t\t\t\t\tAoR: bob\n\t\t\t\t\tContacts: {\n\t\t\t\t\t\tContact: {\n\t\t\t\t\t\t\tAddress: sip:bob@1.2.3.5\n\t\t\t\t\t\t\tExpires: 3600\n\t\t\t\t\t\t}\n\t\t\t\t\t}\n\t\t\t\t}\n" +
        "\t\t\t\tInfo: {\n\t\t\t\t\tAoR: alice\n\t\t\t\t\tContacts: {\n\t\t\t\t\t\tContact: {\n\t\t\t\t\t\t\tAddress: sip:alice@1.2.3.4\n\t\t\t\t\t\t\tExpires: 3600\n\t\t\t\t\t\t}\n\t\t\t\t\t}\n\t\t\t\t}\n" +
        "\t\t\t}\n\t\t}\n\t}\n}\n";

    [Fact]
    public async Task Arrays_reach_kamcmd_as_Kamailio_writes_them()
    {
        await using var osprey = await ControlTestServer.StartAsync(r =>
        {
            // Written in the JSON shape Kamailio's ul.dump has: "Domains": [{"Domain": {... "AoRs": [{"Info": {...}}]}}]
            r.Register("test.uldump", "", rpc =>
            {
                using var top = rpc.Struct();
                using var domains = top.Array("Domains");
                using var d0 = domains.Struct();
                using var domain = d0.Struct("Domain");
                domain.Add("Domain", "location").Add("Size", 1024);
                using var aors = domain.Array("AoRs");
                foreach (var (user, ip) in new[] { ("bob", "1.2.3.5"), ("alice", "1.2.3.4") })
                {
                    using var a = aors.Struct();
                    using var info = a.Struct("Info");
                    info.Add("AoR", user);
                    using var cs = info.Array("Contacts");
                    using var c0 = cs.Struct();
                    using var c = c0.Struct("Contact");
                    c.Add("Address", "sip:" + user + "@" + ip).Add("Expires", 3600);
                }
            });
            r.Register("test.list", "", rpc =>
            {
                using var a = rpc.Array();
                a.Add("one").Add(2);
            });
        });
        string o = "unix:" + osprey.CtlSocket;
        Assert.Equal(KamailioUlDumpShape, await Kamcmd(o, "test.uldump"));
        Assert.Equal("one\n2\n", await Kamcmd(o, "test.list"));
    }

    [Fact]
    public async Task The_ctl_socket_is_owner_only()
    {
        await using var osprey = await ControlTestServer.StartAsync();
        var mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(osprey.CtlSocket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task Binrpc_over_tcp_and_udp_and_garbage_does_not_hurt()
    {
        await using var osprey = await ControlTestServer.StartAsync();
        await using var ctl = new CtlServer(osprey.Registry);
        int tcpPort = FreePort(SocketType.Stream), udpPort = FreePort(SocketType.Dgram);
        Assert.True(CtlEndpoint.TryParse("tcp:127.0.0.1:" + tcpPort, out var tcp, out _));
        Assert.True(CtlEndpoint.TryParse("udp:127.0.0.1:" + udpPort, out var udp, out _));
        Assert.Null(ctl.Listen(tcp!));
        Assert.Null(ctl.Listen(udp!));
        Assert.Matches(VersionShape(), await Kamcmd("tcp:127.0.0.1:" + tcpPort, "core.version"));
        Assert.Matches(UptimeShape(), await Kamcmd("udp:127.0.0.1:" + udpPort, "core.uptime"));
        Assert.True(CtlEndpoint.TryParse("unixd:" + Path.Combine(osprey.Dir, "ctld.sock"), out var unixd, out _));
        Assert.Null(ctl.Listen(unixd!));
        Assert.Matches(VersionShape(), await Kamcmd("unixd:" + Path.Combine(osprey.Dir, "ctld.sock"), "core.version"));

        using (var junk = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await junk.ConnectAsync(IPAddress.Loopback, tcpPort);
            await junk.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
            var buf = new byte[16];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Assert.Equal(0, await junk.ReceiveAsync(buf, SocketFlags.None, cts.Token)); // closed
        }
        // A binrpc client in C#: cookie echoed, struct decoded.
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await c.ConnectAsync(IPAddress.Loopback, tcpPort);
        await c.SendAsync(BinRpc.EncodeRequest("core.echo", 0xDEADBEEF, "abc", 5, -70000, 2.5));
        var reply = new byte[4096];
        int n = await c.ReceiveAsync(reply, SocketFlags.None);
        Assert.Equal(0xA1, reply[0]);
        Assert.Equal(BinRpc.FlagReply, reply[1] >> 4);
        Assert.True(BinRpc.FrameLength(reply.AsSpan(0, n), 1 << 20, out int h, out int len) == n);
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, reply[(h - 4)..h]);
        var reader = new BinRpcReader(reply.AsSpan(h, len));
        var values = new List<BinRpcRecord>();
        while (reader.TryRead(out var r))
            values.Add(r);
        Assert.Equal("abc", values[0].Text);
        Assert.Equal(5, values[1].Int);
        Assert.Equal(-70000, values[2].Int);
        Assert.Equal(BinRpc.TypeDouble, values[3].Type);
        Assert.Equal(2500, values[3].Int);
    }

    private static int FreePort(SocketType type) => Osprey.Testing.TestPorts.Next();
}

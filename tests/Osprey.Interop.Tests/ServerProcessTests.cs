using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// The osprey executable's process-level options: where the log goes (syslog, JSON lines, colours), the
/// PID file, and running as another user after binding (-u/-g).
/// </summary>
public sealed partial class ServerProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-proc-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    private string Config(string logSettings)
    {
        string path = Path.Combine(_dir, "osprey.cfg");
        File.WriteAllText(path, $$"""
            #!KAMAILIO
            {{logSettings}}
            loadmodule "sl.so"
            loadmodule "pv.so"
            loadmodule "xlog.so"
            request_route {
                xlog("L_INFO", "request $rm from $si\n");
                sl_send_reply("200", "OK");
                exit;
            }
            """);
        return path;
    }

    [Fact]
    public void Without_E_the_log_goes_to_syslog_with_the_configured_facility_and_name()
    {
        string devlog = Path.Combine(_dir, "devlog");
        using var syslog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        syslog.Bind(new UnixDomainSocketEndPoint(devlog));
        syslog.ReceiveTimeout = 20000;
        string cfg = Config("debug=2\nlog_stderror=no\nlog_facility=LOG_LOCAL5\nlog_name=\"osprey-test\"");
        using var osprey = OspreyProcess.Start(stderrLog: false, ["-f", cfg, "--syslog-socket", devlog]);

        // The readiness probes were OPTIONS requests: their xlog lines are waiting on the socket.
        var buf = new byte[65536];
        string? line = null;
        for (int i = 0; i < 50 && line is null; i++)
        {
            string d = Encoding.UTF8.GetString(buf, 0, syslog.Receive(buf));
            if (d.Contains("request OPTIONS from 127.0.0.1", StringComparison.Ordinal)) line = d;
        }
        Assert.NotNull(line);
        string pri = "<" + (21 * 8 + 6).ToString(CultureInfo.InvariantCulture) + ">"; // local5.info
        Assert.StartsWith(pri, line);
        Assert.Contains(" osprey-test[" + osprey.Pid + "]: INFO: <script>: request OPTIONS from 127.0.0.1", line);
        Assert.DoesNotContain("request OPTIONS", osprey.Log); // not on stderr as well
    }

    [Theory]
    [InlineData("", "Osprey")]
    [InlineData("server_header=\"Server: edge-7\"", "edge-7")]
    [InlineData("server_signature=no", null)]
    [InlineData("server_signature=no\nserver_header=\"Server: edge-7\"", null)]
    public void Local_replies_carry_the_Server_header_that_server_header_and_server_signature_ask_for(string settings, string? expected)
    {
        string cfg = Config("debug=1\nlog_stderror=yes\n" + settings);
        using var osprey = OspreyProcess.Start(stderrLog: true, ["-f", cfg]);
        using var ua = new TestUa(OspreyProcess.FreePort());
        ua.Send(osprey.Port, TestUa.Options($"sip:127.0.0.1:{osprey.Port}", "sig-1", ua.Port));
        var reply = ua.Receive(TimeSpan.FromSeconds(5));
        Assert.NotNull(reply);
        Assert.Equal(200, reply.StatusCode);
        if (expected is null)
            Assert.False(reply.Has(Osprey.Sip.Message.HeaderId.Server));
        else
            Assert.Equal(expected, Encoding.UTF8.GetString(reply.ValueOf(Osprey.Sip.Message.HeaderId.Server)));
    }

    [Fact]
    public void Log_engine_json_writes_one_Kamailio_document_per_line()
    {
        string cfg = Config("debug=2\nlog_stderror=yes\nlog_engine_type=\"json\"\nlog_engine_data=\"M\"\nlog_prefix=\"{$rm $ci} \"");
        using var osprey = OspreyProcess.Start(stderrLog: true, ["-f", cfg]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonElement? found = null;
        while (found is null && DateTime.UtcNow < deadline)
        {
            foreach (var l in osprey.Log.Split('\n'))
            {
                if (!l.StartsWith('{')) continue;
                using var doc = JsonDocument.Parse(l); // every JSON line parses
                if (doc.RootElement.GetProperty("message").GetString() == "request OPTIONS from 127.0.0.1")
                    found = doc.RootElement.Clone();
            }
            if (found is null) Thread.Sleep(100);
        }
        Assert.NotNull(found);
        var r = found.Value;
        Assert.Equal("INFO", r.GetProperty("level").GetString());
        Assert.Equal(osprey.Pid, r.GetProperty("pid").GetInt32());
        Assert.Equal("xlog", r.GetProperty("module").GetString());
        // log_prefix is formatted for the message the line was written for (the readiness probes' Call-IDs)
        Assert.Matches(@"^\{OPTIONS ready\d+\} $", r.GetProperty("logprefix").GetString());
    }

    [Fact]
    public void Dash_e_colours_the_lines_and_dash_d_raises_the_level()
    {
        // debug=1 would hide the INFO line; -d raises it to 2.
        string cfg = Config("debug=1\nlog_stderror=yes");
        using var osprey = OspreyProcess.Start(stderrLog: true, ["-f", cfg, "-e", "-d"]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!osprey.Log.Contains("request OPTIONS", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        var line = osprey.Log.Split('\n').First(l => l.Contains("request OPTIONS", StringComparison.Ordinal));
        Assert.StartsWith("\u001b[36m 0(" + osprey.Pid + ") INFO: <script>: request OPTIONS", line);
        Assert.EndsWith("\u001b[0m", line.TrimEnd('\r'));

        // A reload (SIGHUP) keeps the raised level: the next request's INFO line is still written.
        int before = InfoLines(osprey.Log);
        using (var hup = Process.Start("kill", ["-HUP", osprey.Pid.ToString(CultureInfo.InvariantCulture)]))
            hup!.WaitForExit(5000);
        osprey.WaitFor(() => osprey.Log.Contains("configuration reloaded", StringComparison.Ordinal), "the reload");
        Assert.Contains("SIGHUP: reloading the configuration", osprey.Log);
        using var ua = new TestUa();
        ua.Send(osprey.Port, TestUa.Options("sip:127.0.0.1:" + osprey.Port, "after-reload", ua.Port));
        Assert.NotNull(ua.Receive(TimeSpan.FromSeconds(10)));
        osprey.WaitFor(() => InfoLines(osprey.Log) > before, "an INFO line after the reload");
    }

    private static int InfoLines(string log) => log.Split('\n').Count(l => l.Contains("INFO: <script>: request OPTIONS", StringComparison.Ordinal));

    [Fact]
    public void The_pid_file_is_written_and_removed_at_shutdown()
    {
        string pidFile = Path.Combine(_dir, "osprey.pid");
        using var osprey = OspreyProcess.Start("-P", pidFile);
        Assert.Equal(osprey.Pid.ToString(CultureInfo.InvariantCulture), File.ReadAllText(pidFile).Trim());
        Assert.Equal(0, osprey.Terminate(TimeSpan.FromSeconds(20)));
        Assert.False(File.Exists(pidFile));
    }

    private static string StatusLine(int pid, string key) =>
        File.ReadAllLines("/proc/" + pid + "/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal));

    [Fact]
    public void Dash_u_drops_root_after_binding_a_privileged_port_and_a_non_root_start_refuses_it()
    {
        if (GetEuid() == 0)
        {
            int low = Osprey.Testing.TestPorts.NextPrivileged();
            using var osprey = OspreyProcess.Start("-l", "udp:127.0.0.1:" + low, "-u", "nobody", "-g", "nogroup");
            Assert.Matches(@"^Uid:\t65534\t65534\t65534\t65534$", StatusLine(osprey.Pid, "Uid"));
            Assert.Matches(@"^Gid:\t(\d+)\t\1\t\1\t\1$", StatusLine(osprey.Pid, "Gid"));
            Assert.DoesNotMatch(@"^Gid:\t0\t", StatusLine(osprey.Pid, "Gid"));
            Assert.Matches(@"^Groups:\t\d*\s*$", StatusLine(osprey.Pid, "Groups")); // root's supplementary groups are gone
            // The privileged socket still answers after the switch.
            using var ua = new TestUa();
            ua.Send(low, TestUa.Options("sip:127.0.0.1:" + low, "low-port"));
            var reply = ua.Receive(TimeSpan.FromSeconds(10));
            Assert.NotNull(reply);
            Assert.Equal(200, reply.StatusCode);
        }
        // Not root (here: the test drops to nobody first): -u to another user is refused, clearly.
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        var port = Osprey.Testing.TestPorts.Next();
        string[] args = GetEuid() == 0
            ? ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", OspreyProcess.DllPath(), "--builtin", "-l", "udp:127.0.0.1:" + port, "-u", "root"]
            : ["dotnet", OspreyProcess.DllPath(), "--builtin", "-l", "udp:127.0.0.1:" + port, "-u", "root"];
        if (GetEuid() != 0) psi.FileName = "env";
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_HOME"] = _dir;
        psi.Environment["HOME"] = _dir;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(30000))
        {
            p.Kill(true);
            Assert.Fail("osprey -u root as a normal user did not exit");
        }
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("-u root: osprey runs as uid", err.Result + output.Result);
        Assert.Contains("only root can switch", err.Result);
    }

    /// <summary>"Max open files" of a process from /proc: (soft, hard), -1 for unlimited.</summary>
    private static (long Soft, long Hard) OpenFilesLimit(string pid)
    {
        foreach (var line in File.ReadAllLines("/proc/" + pid + "/limits"))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var f = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            static long Value(string v) => v == "unlimited" ? -1 : long.Parse(v, CultureInfo.InvariantCulture);
            return (Value(f[0]), Value(f[1]));
        }
        throw new InvalidOperationException("no open-files limit in /proc/" + pid + "/limits");
    }

    [Fact]
    public void Open_files_limit_above_the_hard_limit_is_raised_or_the_start_is_refused()
    {
        long hard = OpenFilesLimit("self").Hard;
        long wanted = hard < 0 ? 65536 : hard + 4096;
        string cfg = Config("open_files_limit=" + wanted.ToString(CultureInfo.InvariantCulture));
        OspreyProcess osprey;
        try
        {
            osprey = OspreyProcess.Start(stderrLog: true, ["-f", cfg]);
        }
        catch (InvalidOperationException e)
        {
            // Without CAP_SYS_RESOURCE the hard limit cannot be raised: like Kamailio, no start, and why.
            Assert.Contains("open_files_limit=" + wanted.ToString(CultureInfo.InvariantCulture) + ": cannot raise the open-files limit", e.Message);
            return;
        }
        using (osprey)
        {
            var (soft, _) = OpenFilesLimit(osprey.Pid.ToString(CultureInfo.InvariantCulture));
            Assert.True(soft < 0 || soft >= wanted, "open files limit " + soft + ", asked for " + wanted);
        }
    }

    [Fact]
    public void Tcp_max_connections_beyond_the_open_files_limit_is_warned_about()
    {
        string cfg = Config("tcp_max_connections=100000000");
        using var osprey = OspreyProcess.Start(stderrLog: true, ["-f", cfg]);
        osprey.WaitFor(() => osprey.Log.Contains(" started (", StringComparison.Ordinal), "the start-up log");
        Assert.Contains("warning: tcp_max_connections=100000000 but only ", osprey.Log);
    }
}

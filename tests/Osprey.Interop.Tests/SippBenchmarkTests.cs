using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// The pieces of the SIPp benchmark (bench/sipp, run by bench/sipp/run.sh) work: both servers accept
/// its configuration, every scenario completes against Osprey running it, and the floor responder
/// satisfies SIPp. A few calls each, at a low rate: this checks the harness, it measures nothing.
/// </summary>
public class SippBenchmarkTests
{
    private const int Calls = 40;

    private static string Bench(string name) => Path.Combine(AppContext.BaseDirectory, "Bench", name);

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Kamailio_and_osprey_both_accept_the_benchmark_configuration()
    {
        string ctl = "CTLSOCK=\"unix:" + Path.Combine(Path.GetTempPath(), "osprey-bench-check.ctl") + "\"";
        foreach (var defines in new[] { Array.Empty<string>(), ["-A", "WITH_AUTH"], ["-A", "WITH_CTL", "-A", ctl] })
        {
            var (code, _, err) = OspreyProcess.RunToExit(["-c", "-f", Bench("bench.cfg"), .. defines]);
            Assert.True(code == 0, "osprey -c: " + err);
            // every modparam of it is one Osprey's modules take (usrloc's hash_size included): no warning
            Assert.DoesNotContain("warning", err, StringComparison.Ordinal);

            var kamailio = RunKamailioCheck(defines);
            Assert.True(kamailio.Code == 0, "kamailio -c: " + kamailio.Output);
        }
    }

    [Theory]
    [InlineData("options")]
    [InlineData("register")]
    [InlineData("register-auth")]
    [InlineData("call")]
    [InlineData("call-rr")]
    public void Scenario_completes_against_osprey_running_the_benchmark_configuration(string scenario)
    {
        var dir = Directory.CreateTempSubdirectory("osprey-sipp-bench-").FullName;
        try
        {
            string users = WriteUsers(dir, 10);
            var args = new List<string> { "-f", Bench("bench.cfg"), "-n", "2", "-A", $"DBURL=\"sqlite://{Path.Combine(dir, "subscriber.sqlite")}\"" };
            if (scenario == "register-auth")
                args.AddRange(["-A", "WITH_AUTH"]);
            using var osprey = OspreyProcess.Start([.. args]);
            string target = "127.0.0.1:" + P(osprey.Port);
            int uacPort = OspreyProcess.FreePort(), uasPort = OspreyProcess.FreePort();

            var uacArgs = new List<string> { "-i", "127.0.0.1", "-p", P(uacPort), "-m", P(Calls), "-r", "20", "-timeout", "40s", "-trace_stat", target };
            Sipp? uas = null;
            try
            {
                switch (scenario)
                {
                    case "options":
                        uacArgs.InsertRange(0, ["-sf", Bench("options.xml")]);
                        break;
                    case "register":
                        uacArgs.InsertRange(0, ["-sf", Bench("register.xml"), "-inf", users]);
                        break;
                    case "register-auth":
                        uacArgs.InsertRange(0, ["-sf", Bench("register-auth.xml"), "-inf", users]);
                        break;
                    case "call":
                        uas = StartUas(dir, uasPort);
                        uacArgs.InsertRange(0, ["-sf", Bench("call-uac.xml"), "-s", "callee", "-key", "callee_hostport", "127.0.0.1:" + P(uasPort)]);
                        break;
                    case "call-rr":
                        RegisterCallee(dir, target, uasPort, osprey);
                        uas = StartUas(dir, uasPort);
                        uacArgs.InsertRange(0, ["-sf", Bench("call-uac.xml"), "-s", "callee", "-key", "callee_hostport", target]);
                        break;
                }

                var uacDir = Directory.CreateDirectory(Path.Combine(dir, "uac")).FullName;
                using var uac = Sipp.Start(uacDir, [.. uacArgs]);
                uac.AssertAllCallsSucceeded(Calls, TimeSpan.FromSeconds(60), osprey.Log);
            }
            finally
            {
                uas?.Dispose();
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>run.sh contacts reads usrloc's contact count from both servers with kamcmd over the ctl
    /// socket bench.cfg opens under WITH_CTL, in the form "usrloc:location_contacts = N"; with Osprey
    /// that count must follow the REGISTERs SIPp sent.</summary>
    [Fact]
    public async Task Contacts_scenario_reads_the_contact_count_from_osprey_with_kamcmd()
    {
        var dir = Directory.CreateTempSubdirectory("osprey-sipp-contacts-").FullName;
        try
        {
            string users = WriteUsers(dir, 10);
            string socket = Path.Combine(dir, "ctl.sock");
            using var osprey = OspreyProcess.Start("-f", Bench("bench.cfg"), "-n", "2", "-A", "WITH_CTL", "-A", $"CTLSOCK=\"unix:{socket}\"",
                "-A", $"DBURL=\"sqlite://{Path.Combine(dir, "subscriber.sqlite")}\"");
            osprey.WaitFor(() => File.Exists(socket), "the ctl socket");
            Assert.Contains("usrloc:location_contacts = 0", await ControlToolsTests.Kamcmd(socket, "stats.get_statistics", "usrloc:"), StringComparison.Ordinal);

            var uacDir = Directory.CreateDirectory(Path.Combine(dir, "uac")).FullName;
            using (var uac = Sipp.Start(uacDir, "-sf", Bench("register.xml"), "-inf", users, "-i", "127.0.0.1", "-p", P(OspreyProcess.FreePort()),
                "-m", "10", "-r", "20", "-timeout", "30s", "-trace_stat", "127.0.0.1:" + P(osprey.Port)))
            {
                uac.AssertAllCallsSucceeded(10, TimeSpan.FromSeconds(45), osprey.Log);
            }
            Assert.Contains("usrloc:location_contacts = 10", await ControlToolsTests.Kamcmd(socket, "stats.get_statistics", "usrloc:"), StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    /// <summary>udp-floor answers with the request's own headers under a status line: SIPp must count
    /// every OPTIONS as a successful call, or run.sh floor measures nothing.</summary>
    [Fact]
    public void Floor_responder_answers_every_options_of_the_benchmark()
    {
        var dir = Directory.CreateTempSubdirectory("osprey-udp-floor-").FullName;
        int port = OspreyProcess.FreePort(), uacPort = OspreyProcess.FreePort();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "udp-floor.dll"), "-l", "127.0.0.1:" + P(port), "-n", "2" })
            psi.ArgumentList.Add(a);
        using var floor = Process.Start(psi)!;
        try
        {
            WaitForAnswer(port, floor);
            using var uac = Sipp.Start(dir, "-sf", Bench("options.xml"), "-i", "127.0.0.1", "-p", P(uacPort), "-m", "200", "-r", "100",
                "-timeout", "30s", "-trace_stat", "127.0.0.1:" + P(port));
            var stats = uac.AssertAllCallsSucceeded(200, TimeSpan.FromSeconds(45));
            Assert.Equal(0, Sipp.Count(stats, "Retransmissions(C)"));
        }
        finally
        {
            if (!floor.HasExited)
            {
                floor.Kill();
                floor.WaitForExit(5000);
            }
            Directory.Delete(dir, true);
        }
    }

    private static void WaitForAnswer(int port, Process floor)
    {
        using var ua = new TestUa();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        for (int n = 0; DateTime.UtcNow < deadline; n++)
        {
            if (floor.HasExited)
                Assert.Fail("udp-floor exited: " + floor.StandardError.ReadToEnd());
            ua.Send(port, TestUa.Options($"sip:127.0.0.1:{port}", "floor-ready" + n));
            var reply = ua.Receive(TimeSpan.FromMilliseconds(300));
            if (reply is not null)
            {
                Assert.Equal(200, reply.StatusCode);
                return;
            }
        }
        throw new TimeoutException("udp-floor did not answer");
    }

    /// <summary>users.csv as bench/sipp writes it (u&lt;n&gt; with password pw&lt;n&gt;) and the same users in a
    /// subscriber table with Kamailio's schema, next to it.</summary>
    private static string WriteUsers(string dir, int count)
    {
        var csv = Path.Combine(dir, "users.csv");
        File.WriteAllLines(csv, ["SEQUENTIAL", .. Enumerable.Range(0, count).Select(i => $"{i};pw{i}")]);
        using var db = new SqliteConnection("Data Source=" + Path.Combine(dir, "subscriber.sqlite"));
        db.Open();
        using var create = db.CreateCommand();
        create.CommandText =
            "CREATE TABLE version (id INTEGER PRIMARY KEY NOT NULL, table_name VARCHAR(32) NOT NULL UNIQUE, table_version INTEGER DEFAULT 0 NOT NULL);" +
            "INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);" +
            "CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64) DEFAULT '' NOT NULL, domain VARCHAR(64) DEFAULT '' NOT NULL," +
            " password VARCHAR(64) DEFAULT '' NOT NULL, ha1 VARCHAR(128) DEFAULT '' NOT NULL, ha1b VARCHAR(128) DEFAULT '' NOT NULL, UNIQUE (username, domain));";
        create.ExecuteNonQuery();
        for (int i = 0; i < count; i++)
        {
            using var insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO subscriber (username, domain, password) VALUES ($u, '127.0.0.1', $p)";
            insert.Parameters.AddWithValue("$u", "u" + P(i));
            insert.Parameters.AddWithValue("$p", "pw" + P(i));
            insert.ExecuteNonQuery();
        }
        return csv;
    }

    private static void RegisterCallee(string dir, string target, int uasPort, OspreyProcess osprey)
    {
        var regDir = Directory.CreateDirectory(Path.Combine(dir, "callee")).FullName;
        using var reg = Sipp.Start(regDir, "-sf", Bench("register-callee.xml"), "-s", "callee", "-key", "callee_port", P(uasPort),
            "-i", "127.0.0.1", "-p", P(OspreyProcess.FreePort()), "-m", "1", "-timeout", "15s", target);
        Assert.True(reg.Wait(TimeSpan.FromSeconds(30)) == 0, "registering the callee failed: " + reg.Errors + osprey.Log);
    }

    private static Sipp StartUas(string dir, int port)
    {
        var uasDir = Directory.CreateDirectory(Path.Combine(dir, "uas")).FullName;
        var uas = Sipp.Start(uasDir, "-sf", Bench("call-uas.xml"), "-i", "127.0.0.1", "-p", P(port), "-timeout", "60s");
        Thread.Sleep(500);
        return uas;
    }

    private static (int Code, string Output) RunKamailioCheck(string[] defines)
    {
        var (code, output, errors) = ToolRun.Run("kamailio", ["-c", "-f", Bench("bench.cfg"), .. defines], TimeSpan.FromSeconds(30));
        return (code, output + errors);
    }
}

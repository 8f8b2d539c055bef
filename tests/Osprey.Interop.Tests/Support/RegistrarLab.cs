using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Osprey.Data;
using Osprey.Data.Schema;

namespace Osprey.Interop.Tests.Support;

/// <summary>
/// A registrar under test: a SQLite database with Kamailio's schema and subscribers u0..u(N-1)
/// (password pw&lt;n&gt;), the kamailio.cfg of Configs/registrar-auth.cfg with its @NAME@ values
/// filled in, and the osprey process that runs it (JSON-RPC over HTTP on its own port).
/// </summary>
internal sealed class RegistrarLab : IDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(120) };

    public RegistrarLab(int subscribers, int dbMode = 0, int timerInterval = 60, int nonceExpire = 300, bool oneTimeNonce = false, bool nonceCount = false)
    {
        Dir = Directory.CreateTempSubdirectory("osprey-reglab-").FullName;
        DbUrl = "sqlite://" + Path.Combine(Dir, "osprey.db");
        SipPort = OspreyProcess.FreePort();
        HttpPort = OspreyProcess.FreePort();
        Assert.True(Database.TryOpen(DbUrl, out var db, out var err), err);
        using (db)
        {
            // what `ospreyctl db create` does: every table of Kamailio's schema with its version row
            new SchemaCreator(db).Create();
            db.InTransaction(tx =>
            {
                for (int i = 0; i < subscribers; i++)
                {
                    tx.Insert("subscriber", [new("username", "u" + N(i)), new("domain", "127.0.0.1"), new("password", "pw" + N(i)), new("ha1", ""), new("ha1b", "")]);
                }
            });
        }
        var cfg = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Configs", "registrar-auth.cfg"))
            .Replace("@DBURL@", DbUrl, StringComparison.Ordinal)
            .Replace("@DB_MODE@", N(dbMode), StringComparison.Ordinal)
            .Replace("@TIMER_INTERVAL@", N(timerInterval), StringComparison.Ordinal)
            .Replace("@NONCE_EXPIRE@", N(nonceExpire), StringComparison.Ordinal)
            .Replace("@ONE_TIME_NONCE@", oneTimeNonce ? "1" : "0", StringComparison.Ordinal)
            .Replace("@NONCE_COUNT@", nonceCount ? "1" : "0", StringComparison.Ordinal)
            .Replace("@HTTP_PORT@", N(HttpPort), StringComparison.Ordinal);
        ConfigFile = Path.Combine(Dir, "registrar.cfg");
        File.WriteAllText(ConfigFile, cfg);
    }

    public string Dir { get; }
    public string DbUrl { get; }
    public int SipPort { get; }
    public int HttpPort { get; }
    public string ConfigFile { get; }
    public string Target => "127.0.0.1:" + N(SipPort);

    public static string N(int i) => i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts osprey on this lab's port (again, after a stop: the contacts point there).</summary>
    public OspreyProcess Start(bool withAuth)
    {
        var p = withAuth ? OspreyProcess.StartOn(SipPort, "-f", ConfigFile, "-A", "WITH_AUTH") : OspreyProcess.StartOn(SipPort, "-f", ConfigFile);
        // SIP answers before the control plane listens: wait for JSON-RPC too
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                Rpc("core.uptime").Dispose();
                return p;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !p.HasExited)
            {
                Thread.Sleep(200);
            }
        }
    }

    private int _runs;

    /// <summary>A fresh directory for one SIPp run (its statistics file is found by pattern).</summary>
    public string RunDir(string what) => Directory.CreateDirectory(Path.Combine(Dir, what + "-" + N(Interlocked.Increment(ref _runs)))).FullName;

    /// <summary>A SIPp injection file: SEQUENTIAL, then one line per row.</summary>
    public string InjectionFile(string name, IEnumerable<string> rows)
    {
        var path = Path.Combine(Dir, name);
        var sb = new StringBuilder("SEQUENTIAL\n");
        foreach (var r in rows) sb.Append(r).Append('\n');
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Runs a SIPp client scenario to its end; returns (successful, failed) calls and fails with SIPp's errors.</summary>
    public (int Ok, int Failed) RunSipp(string scenario, string injection, int calls, int rate, int localPort, int limit = 200, TimeSpan? timeout = null, params string[] extra)
    {
        var runDir = RunDir("sipp");
        var args = new List<string>
        {
            "-sf", Sipp.Scenario(scenario), "-inf", injection, "-i", "127.0.0.1", "-p", N(localPort),
            "-m", N(calls), "-r", N(rate), "-l", N(limit), "-timeout", N((int)(timeout ?? TimeSpan.FromSeconds(90)).TotalSeconds) + "s",
            "-trace_stat", "-trace_err", Target,
        };
        args.AddRange(extra);
        using var sipp = Sipp.Start(runDir, [.. args]);
        int rc = sipp.Wait((timeout ?? TimeSpan.FromSeconds(90)) + TimeSpan.FromSeconds(30));
        if (Directory.GetFiles(runDir, "*_.csv").Length == 0) Assert.Fail($"sipp {scenario} did not run (exit {rc}): {sipp.Errors}");
        var stats = Sipp.LastStats(runDir);
        int ok = Sipp.Count(stats, "SuccessfulCall(C)"), failed = Sipp.Count(stats, "FailedCall(C)");
        if (rc != 0 || failed != 0)
        {
            var errFile = Directory.GetFiles(runDir, "*_errors.log");
            string err = errFile.Length > 0 ? File.ReadAllText(errFile[0]) : "";
            Assert.Fail($"sipp {scenario}: exit {rc}, {ok} ok, {failed} failed: {sipp.Errors}\n{err[..Math.Min(err.Length, 4000)]}");
        }
        return (ok, failed);
    }

    /// <summary>JSON-RPC 2.0 over HTTP (what ospreyctl --url sends).</summary>
    public JsonDocument Rpc(string method, params object[] parameters)
    {
        var body = new { jsonrpc = "2.0", method, @params = parameters, id = 1 };
        using var resp = s_http.PostAsJsonAsync("http://127.0.0.1:" + N(HttpPort) + "/RPC", body).GetAwaiter().GetResult();
        resp.EnsureSuccessStatusCode();
        var doc = JsonDocument.Parse(resp.Content.ReadAsStream());
        if (doc.RootElement.TryGetProperty("error", out var e)) Assert.Fail(method + ": " + e);
        return doc;
    }

    /// <summary>ul.dump: AOR → contact addresses of the location tables, read from Kamailio's result shape
    /// (<c>Domains[].Domain.AoRs[].Info.{AoR, Contacts[].Contact.Address}</c>).</summary>
    public Dictionary<string, List<string>> Dump()
    {
        using var doc = Rpc("ul.dump");
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var domain in doc.RootElement.GetProperty("result").GetProperty("Domains").EnumerateArray())
        {
            foreach (var aor in domain.GetProperty("Domain").GetProperty("AoRs").EnumerateArray())
            {
                var info = aor.GetProperty("Info");
                var list = new List<string>();
                foreach (var c in info.GetProperty("Contacts").EnumerateArray()) list.Add(c.GetProperty("Contact").GetProperty("Address").GetString()!);
                map[info.GetProperty("AoR").GetString()!] = list;
            }
        }
        return map;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}

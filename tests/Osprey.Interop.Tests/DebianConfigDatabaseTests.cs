using System.Globalization;
using System.Text.RegularExpressions;
using Osprey.Data;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// Debian's kamailio.cfg (Kamailio 5.6.3's, copied into TestData unmodified) with its database features
/// on, on MariaDB, PostgreSQL and SQLite: the schema made by <c>ospreyctl db create</c>, users by
/// <c>ospreyctl add</c>, SIPp phones registering with digest authentication and calling each other.
/// The database is chosen as an operator would, with <c>-A DBURL=...</c> (the cfg only <c>#!trydef</c>s it).
/// </summary>
public sealed partial class DebianConfigDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-debcfg-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static string Cfg => Path.Combine(AppContext.BaseDirectory, "TestData", "debian-kamailio.cfg");

    private static string P(int n) => n.ToString(CultureInfo.InvariantCulture);

    private string FreshDatabase(string backend)
    {
        var url = InteropDatabases.Url(backend, _dir);
        Ospreyctl.Run("db", "drop", "--db-url", url);
        Ospreyctl.Run("db", "create", "--db-url", url);
        return url;
    }

    private static string[] Defines(string backend, string url, params string[] features)
    {
        var args = new List<string> { "-f", Cfg, "-A", "DBURL=\"" + url + "\"" };
        if (backend == "mysql") args.AddRange(["-A", "WITH_MYSQL"]); // loads db_mysql.so, as the cfg's comments say
        foreach (var f in features) args.AddRange(["-A", f]);
        return [.. args];
    }

    [Theory]
    [InlineData("mysql")]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public void Auth_and_usrlocdb_register_a_few_hundred_users_and_route_their_calls(string backend)
    {
        var url = FreshDatabase(backend);
        var users = new SipUsers(_dir, 300, "127.0.0.1");
        Ospreyctl.Run("add", "--from", users.AddFile, "--db-url", url);
        using var osprey = OspreyProcess.Start(Defines(backend, url, "WITH_AUTH", "WITH_USRLOCDB"));
        using var sip = new Phones(_dir, osprey, "127.0.0.1:" + P(osprey.Port));

        sip.RegisterAll(users);
        sip.WrongPasswordsAreRefused(users, 20);
        sip.AuthenticatedCalls(users, 100);
    }

    [Theory]
    [InlineData("mysql")]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public void Accdb_ipauth_and_multidomain_account_calls_trust_addresses_and_serve_the_domain_table(string backend)
    {
        var url = FreshDatabase(backend);
        // the columns the cfg's WITH_ACCDB comment tells operators to add for its db_extra
        using (var db = Open(url))
        {
            foreach (var alter in AccDbColumns()) db.Execute(alter);
        }
        const string domain = "example.test"; // served only because the domain table names it
        var users = new SipUsers(_dir, 60, domain);
        var busy = new SipUsers(_dir, domain, "busy", ("carol", "c4rol-pw")); // carol calls carol, who is busy
        Ospreyctl.Run("add", "--from", users.AddFile, "--db-url", url);
        Ospreyctl.Run("add", "carol@" + domain, "c4rol-pw", "--db-url", url);
        Ospreyctl.Run("domain", "add", domain, "--db-url", url);
        Ospreyctl.Run("address", "add", "1", "127.0.0.2", "--db-url", url);
        using var osprey = OspreyProcess.Start(Defines(backend, url, "WITH_AUTH", "WITH_USRLOCDB", "WITH_ACCDB", "WITH_IPAUTH", "WITH_MULTIDOMAIN"));
        using var sip = new Phones(_dir, osprey, domain);

        sip.RegisterAll(users);
        sip.WrongPasswordsAreRefused(users, 5);
        sip.AuthenticatedCalls(users, 30);
        sip.TrustedAddressCalls(users, 20); // from 127.0.0.2, no credentials
        sip.RegisterAll(busy, busy: true);
        sip.BusyCalls(busy, 5); // 486: missed calls (the cfg sets FLT_ACCMISSED after lookup)

        // a clean stop (SIGTERM) writes whatever accounting is still queued
        Signals.Terminate(osprey.Pid);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!osprey.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.True(osprey.HasExited, "osprey did not stop on SIGTERM: " + osprey.Log);

        using var check = Open(url);
        // WITH_USRLOCDB (db_mode 2, write-back): the shutdown wrote every registration
        Assert.Equal(users.Count + 1, check.Query("SELECT COUNT(*) FROM location")[0].GetInt64(0));
        Assert.Single(check.Select("location", ["contact"], [DbCondition.Eq("username", "carol"), DbCondition.Eq("domain", domain)]));
        var rows = check.Select("acc", ["method", "sip_code", "sip_reason", "src_user", "src_domain", "src_ip", "dst_ouser", "dst_user", "dst_domain", "callid", "time"]);
        var invites = rows.Where(r => r.GetString(0) == "INVITE").ToList();
        var byes = rows.Where(r => r.GetString(0) == "BYE").ToList();
        Assert.Equal(50, invites.Count);
        Assert.Equal(50, byes.Count);
        Assert.All(rows, r => Assert.Equal("200", r.GetString(1)));
        Assert.All(rows, r => Assert.Equal("OK", r.GetString(2)));
        var authenticated = invites.Where(r => r.GetString(5) == "127.0.0.1").ToList();
        Assert.Equal(30, authenticated.Count);
        foreach (var r in authenticated)
        {
            // db_extra: src_user=$fU;src_domain=$fd;src_ip=$si;dst_ouser=$tU;dst_user=$rU;dst_domain=$rd
            int caller = int.Parse(r.GetString(3)![1..], CultureInfo.InvariantCulture);
            Assert.Equal(domain, r.GetString(4));
            Assert.Equal("u" + P(caller % users.Count + 1), r.GetString(6));
            Assert.Equal(r.GetString(6), r.GetString(7)); // $rU after lookup: the callee's contact user
            Assert.Equal("127.0.0.1", r.GetString(8)); // $rd after lookup: the contact's host
        }
        Assert.Equal(20, invites.Count(r => r.GetString(3) == "gateway" && r.GetString(5) == "127.0.0.2"));
        Assert.All(rows, r => Assert.InRange(r.GetDateTime(10), DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(1)));

        var missed = check.Select("missed_calls", ["method", "sip_code", "sip_reason", "src_user", "dst_ouser", "src_ip", "to_tag"]);
        Assert.Equal(5, missed.Count);
        Assert.All(missed, r =>
        {
            Assert.Equal(["INVITE", "486", "Busy Here", "carol", "carol", "127.0.0.1"], Enumerable.Range(0, 6).Select(i => r.GetString(i)));
            Assert.NotEqual("", r.GetString(6)); // the busy phone's To tag
        });
    }

    private static Database Open(string url)
    {
        Assert.True(Database.TryOpen(url, out var db, out var err), err);
        return db;
    }

    /// <summary>The ALTER TABLE lines of the cfg's ACCDB_COMMENT block, as an operator runs them.</summary>
    private static List<string> AccDbColumns()
    {
        var list = new List<string>();
        foreach (var line in File.ReadLines(Cfg))
        {
            var t = line.Trim();
            if (AlterTable().IsMatch(t)) list.Add(t.TrimEnd(';'));
        }
        Assert.Equal(12, list.Count);
        return list;
    }

    [GeneratedRegex("^ALTER TABLE (acc|missed_calls) ADD COLUMN ", RegexOptions.IgnoreCase)]
    private static partial Regex AlterTable();
}

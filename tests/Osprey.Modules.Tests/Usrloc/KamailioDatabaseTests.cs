using Osprey.Data;
using Osprey.Modules.Auth;
using Osprey.Modules.Tests.Auth;

namespace Osprey.Modules.Tests.Usrloc;

/// <summary>
/// Osprey works on a database created by Kamailio's own scripts (what kamdbctl runs for db_sqlite,
/// installed with the kamailio package that test.sh installs): existing deployments keep their data.
/// </summary>
public sealed class KamailioDatabaseTests : IDisposable
{
    private const string Scripts = "/usr/share/kamailio/db_sqlite";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "osprey-kamdb-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string CreateWithKamailioScripts()
    {
        Assert.True(Directory.Exists(Scripts), Scripts + " is missing: install Kamailio (test.sh does: apt-get install kamailio kamailio-sqlite-modules)");
        Directory.CreateDirectory(_dir);
        var url = "sqlite://" + Path.Combine(_dir, "kamailio.db");
        Assert.True(Database.TryOpen(url, out var db, out _));
        using (db)
        {
            foreach (var f in new[] { "standard-create.sql", "usrloc-create.sql", "auth_db-create.sql" })
            {
                db.Execute(File.ReadAllText(Path.Combine(Scripts, f)));
            }
            db.Insert("subscriber", [new("username", "alice"), new("domain", "example.com"), new("password", "s3cret!"),
                new("ha1", AuthFixture.Md5Ha1("alice", "example.com", "s3cret!")), new("ha1b", "")]);
        }
        return url;
    }

    [Fact]
    public void Usrloc_and_auth_db_run_on_a_database_made_by_kamailios_scripts()
    {
        var url = CreateWithKamailioScripts();
        using (var f = new RegistrarFixture(dbMode: 1, ul: u => u.DbUrl = url, createSchema: false))
        {
            // the DbUrl override above points usrloc at Kamailio's database
            Assert.Equal(1, f.Save(SipHarness.Register("alice", ["<sip:alice@192.0.2.7:5060>;q=0.5"], expires: 600)));
            Assert.True(Database.TryOpen(url, out var db, out _));
            using (db)
            {
                var rows = db.Select("location", ["username", "contact", "q", "callid", "cseq", "expires"]);
                var r = Assert.Single(rows);
                Assert.Equal("alice", r.GetString(0));
                Assert.Equal("sip:alice@192.0.2.7:5060", r.GetString(1));
                Assert.Equal(0.5, r.GetDouble(2), 3);
                Assert.Equal(1, r.GetInt64(4));
            }
            f.Restart(1, u => u.DbUrl = url);
            Assert.Equal(1, f.Lookup("sip:alice@example.com"));
            Assert.Equal("sip:alice@192.0.2.7:5060", f.Sip.Ruri);
        }

        using var a = new AuthFixture(authDb: d => { d.DbUrl = url; d.CalculateHa1 = 0; d.PasswordColumn = "ha1"; });
        var ch = a.Challenge();
        Assert.Equal(1, a.RegisterWith(DigestClient.Answer(ch, "alice", "s3cret!", "REGISTER", "sip:example.com")));
        Assert.Equal(AuthCodes.Ok, a.LastAuth);
    }
}

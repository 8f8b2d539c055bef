using Osprey.Data;
using Osprey.Data.Schema;
using Osprey.Modules.Registrar;
using Osprey.Modules.Usrloc;

namespace Osprey.Modules.Tests;

/// <summary>Where module tests find their databases: a SQLite file, or the PostgreSQL and MariaDB servers
/// of tests/db/start-databases.sh (OSPREY_TEST_PGSQL_URL, OSPREY_TEST_MYSQL_URL; a missing variable fails
/// the test, never skips it). Module tests use the "kamailio_modules" database of those servers.</summary>
internal static class ModuleTestDatabases
{
    public static string Url(string backend, string dir) => Osprey.Testing.TestDatabaseUrls.For(backend, dir, "kamailio_modules");
}

/// <summary>usrloc + registrar on a harness server, with a movable clock and (optionally) a SQLite
/// file in a temp dir.</summary>
internal sealed class RegistrarFixture : IDisposable
{
    public long Now = 1_800_000_000;
    public SipHarness Sip { get; private set; } = new();
    public UsrlocModule Ul { get; private set; } = null!;
    public RegistrarModule Reg { get; private set; } = null!;
    public string Dir { get; }
    public string DbUrl { get; }

    /// <param name="backend">sqlite (a file in a temp dir), postgres or mysql (the servers
    /// tests/db/start-databases.sh starts; their "kamailio_modules" database, emptied first).</param>
    public RegistrarFixture(int dbMode = 0, Action<UsrlocModule>? ul = null, Action<RegistrarModule>? reg = null, bool createSchema = true, string backend = "sqlite")
    {
        Dir = Path.Combine(Path.GetTempPath(), "osprey-reg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        DbUrl = ModuleTestDatabases.Url(backend, Dir);
        if (dbMode != 0 && createSchema)
        {
            Assert.True(Database.TryOpen(DbUrl, out var db, out var err), err);
            using (db)
            {
                var sc = new SchemaCreator(db);
                if (backend != "sqlite") sc.Drop();
                sc.Create();
            }
        }
        Start(dbMode, ul, reg);
    }

    public void Start(int dbMode, Action<UsrlocModule>? ul = null, Action<RegistrarModule>? reg = null)
    {
        Ul = new UsrlocModule { DbMode = dbMode, DbUrl = dbMode != 0 ? DbUrl : "", TimerInterval = 3600, Server = Sip.Server, Clock = () => Now };
        ul?.Invoke(Ul); // may point DbUrl elsewhere
        Assert.Null(Ul.Init());
        Reg = new RegistrarModule { Usrloc = Ul, Server = Sip.Server };
        reg?.Invoke(Reg);
        Assert.Null(Reg.Init());
        Assert.Null(Reg.BindTable("location"));
    }

    /// <summary>Stops and drops the modules (as a restart does); the database file stays.</summary>
    public void Restart(int dbMode, Action<UsrlocModule>? ul = null)
    {
        Ul.Dispose();
        Sip = new SipHarness(); // a new process: a new server and statistics registry
        Start(dbMode, ul);
    }

    public int Save(string text, string flags = "0") => Sip.Run(text, ctx => Reg.Save(ctx, "location", flags));

    public int Lookup(string ruri) => Sip.Run(SipHarness.Invite(ruri), ctx => Reg.Lookup(ctx, "location"));

    public void Dispose()
    {
        Ul.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

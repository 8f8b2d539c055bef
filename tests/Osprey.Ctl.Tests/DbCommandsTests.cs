using Osprey.Data;

namespace Osprey.Ctl.Tests;

/// <summary>ospreyctl db create and subscriber administration against a real SQLite file.</summary>
public class DbCommandsTests
{
    private static async Task<(int Code, string Out, string Err)> Ctl(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = await CtlApp.RunAsync(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task Create_schema_then_add_change_and_remove_a_subscriber()
    {
        var dir = Directory.CreateTempSubdirectory("ospreyctl-db-").FullName;
        try
        {
            string url = "sqlite://" + Path.Combine(dir, "osprey.db");
            var created = await Ctl("db", "create", "--db-url", url);
            Assert.Equal(0, created.Code);
            Assert.Contains("subscriber", created.Out, StringComparison.Ordinal);

            Assert.Equal(0, (await Ctl("add", "alice@example.com", "secret", "--db-url", url)).Code);
            var again = await Ctl("add", "alice@example.com", "other", "--db-url", url);
            Assert.Equal(1, again.Code);
            Assert.Contains("already exists", again.Err, StringComparison.Ordinal);

            using (var db = Open(url))
            {
                var row = Assert.Single(db.Select("subscriber", ["password", "ha1"], [DbCondition.Eq("username", "alice"), DbCondition.Eq("domain", "example.com")]));
                Assert.Equal("secret", row.GetString(0));
                Assert.Equal("b1726872c344b6dc8365b774f8fd6412", row.GetString(1)); // MD5("alice:example.com:secret")
            }

            Assert.Equal(0, (await Ctl("passwd", "alice", "changed", "--domain", "example.com", "--db-url", url)).Code);
            using (var db = Open(url))
            {
                Assert.Equal("changed", db.Select("subscriber", ["password"], [DbCondition.Eq("username", "alice")])[0].GetString(0));
            }

            Assert.Equal(0, (await Ctl("rm", "alice@example.com", "--db-url", url)).Code);
            Assert.Equal(1, (await Ctl("rm", "alice@example.com", "--db-url", url)).Code);
            Assert.Equal(2, (await Ctl("add", "nodomain", "pw", "--db-url", url)).Code);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    private static Database Open(string url)
    {
        Assert.True(Database.TryOpen(url, out var db, out var why), why);
        return db;
    }
}

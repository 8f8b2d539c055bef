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
        using var dir = new TempDir();
        string url = "sqlite://" + Path.Combine(dir.Path, "osprey.db");
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
        // no domain: an empty one, which configurations with use_domain 0 (the embedded default) match
        Assert.Equal(0, (await Ctl("add", "nodomain", "pw", "--db-url", url)).Code);
        using (var db = Open(url)) Assert.Equal("", db.Select("subscriber", ["domain"], [DbCondition.Eq("username", "nodomain")])[0].GetString(0));
        Assert.Equal(0, (await Ctl("passwd", "nodomain", "pw2", "--db-url", url)).Code);
        Assert.Equal(0, (await Ctl("rm", "nodomain", "--db-url", url)).Code);
    }

    [Fact]
    public async Task Add_from_a_file_adds_every_user_or_none()
    {
        using var dir = new TempDir();
        string url = "sqlite://" + Path.Combine(dir.Path, "osprey.db");
        Assert.Equal(0, (await Ctl("db", "create", "--db-url", url)).Code);
        var file = Path.Combine(dir.Path, "users.txt");
        File.WriteAllText(file, "# provisioning\nalice@example.com secret\n\nbob s3cret with spaces\n");
        var r = await Ctl("add", "--from", file, "--domain", "example.org", "--db-url", url);
        Assert.Equal(0, r.Code);
        Assert.Contains("added 2 subscriber(s)", r.Out, StringComparison.Ordinal);
        using (var db = Open(url))
        {
            Assert.Equal("s3cret with spaces", db.Select("subscriber", ["password"], [DbCondition.Eq("username", "bob"), DbCondition.Eq("domain", "example.org")])[0].GetString(0));
            Assert.Single(db.Select("subscriber", ["ha1"], [DbCondition.Eq("username", "alice"), DbCondition.Eq("domain", "example.com")]));
        }
        // one existing user: nothing of the file is added
        File.WriteAllText(file, "carol@example.com pw\nalice@example.com again\n");
        Assert.Equal(1, (await Ctl("add", "--from", file, "--db-url", url)).Code);
        using (var db = Open(url)) Assert.Empty(db.Select("subscriber", ["id"], [DbCondition.Eq("username", "carol")]));
        File.WriteAllText(file, "dave\n"); // no password
        Assert.Equal(2, (await Ctl("add", "--from", file, "--db-url", url)).Code);
    }

    [Fact]
    public async Task Add_on_a_new_sqlite_file_creates_the_file_and_the_schema()
    {
        using var dir = new TempDir();
        string url = "sqlite://" + Path.Combine(dir.Path, "new", "osprey.db");
        var r = await Ctl("add", "alice", "secret", "--db-url", url);
        Assert.Equal(0, r.Code);
        Assert.Contains("created the database", r.Err, StringComparison.Ordinal);
        using var db = Open(url);
        Assert.Equal(7, db.TableVersion("subscriber"));
        Assert.Equal(9, db.TableVersion("location"));
        Assert.Single(db.Select("subscriber", ["password"], [DbCondition.Eq("username", "alice")]));
    }

    [Fact]
    public async Task Address_and_domain_tables_are_administered_like_kamctl()
    {
        using var dir = new TempDir();
        string url = "sqlite://" + Path.Combine(dir.Path, "osprey.db");
        Assert.Equal(0, (await Ctl("db", "create", "--db-url", url)).Code);
        Assert.Equal(0, (await Ctl("address", "add", "1", "192.0.2.0/24", "--db-url", url)).Code);
        Assert.Equal(0, (await Ctl("address", "add", "2", "198.51.100.7", "32", "5060", "pstn", "--db-url", url)).Code);
        Assert.Equal(2, (await Ctl("address", "add", "1", "not-an-ip", "--db-url", url)).Code);
        Assert.Equal(2, (await Ctl("address", "add", "1", "192.0.2.1", "33", "--db-url", url)).Code);
        var shown = await Ctl("address", "show", "--db-url", url);
        Assert.Contains("1\t192.0.2.0/24\tport 0", shown.Out, StringComparison.Ordinal);
        Assert.Contains("2\t198.51.100.7/32\tport 5060\tpstn", shown.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await Ctl("address", "rm", "1", "192.0.2.0", "--db-url", url)).Code);
        Assert.Equal(1, (await Ctl("address", "rm", "1", "192.0.2.0", "--db-url", url)).Code);

        Assert.Equal(0, (await Ctl("domain", "add", "Example.COM", "--db-url", url)).Code);
        Assert.Equal(1, (await Ctl("domain", "add", "example.com", "--db-url", url)).Code);
        Assert.Contains("example.com", (await Ctl("domain", "show", "--db-url", url)).Out, StringComparison.Ordinal);
        using (var db = Open(url)) Assert.Single(db.Select("domain", ["domain"], [DbCondition.Eq("domain", "example.com")]));
        Assert.Equal(0, (await Ctl("domain", "rm", "example.com", "--db-url", url)).Code);
        Assert.Equal(1, (await Ctl("domain", "rm", "example.com", "--db-url", url)).Code);
    }

    /// <summary>A temporary directory for one test's SQLite files; removed with them afterwards.</summary>
    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("ospreyctl-db-").FullName;

        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // pooled connections keep the file open
            Directory.Delete(Path, true);
        }
    }

    private static Database Open(string url)
    {
        Assert.True(Database.TryOpen(url, out var db, out var why), why);
        return db;
    }
}

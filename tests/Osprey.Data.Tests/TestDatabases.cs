namespace Osprey.Data.Tests;

/// <summary>
/// The databases the tests run against. SQLite is a file in a fresh temp directory. PostgreSQL and
/// MariaDB are the servers tests/db/start-databases.sh starts on 127.0.0.1; their URLs come from
/// OSPREY_TEST_PGSQL_URL and OSPREY_TEST_MYSQL_URL. A missing URL fails the test: it is never skipped.
/// </summary>
public static class TestDatabases
{
    public const string PgVar = "OSPREY_TEST_PGSQL_URL";
    public const string MyVar = "OSPREY_TEST_MYSQL_URL";

    public static string Url(string backend, string tempDir) => backend switch
    {
        "sqlite" => "sqlite://" + Path.Combine(tempDir, "osprey.db"),
        "postgres" => FromEnv(PgVar),
        "mysql" => FromEnv(MyVar),
        _ => throw new ArgumentException(backend),
    };

    private static string FromEnv(string name)
    {
        var v = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(v))
        {
            Assert.Fail(name + " is not set: start the test databases first with  eval \"$(tests/db/start-databases.sh)\"  (test.sh does this)");
        }
        return v!;
    }

    public static string NewTempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "osprey-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}

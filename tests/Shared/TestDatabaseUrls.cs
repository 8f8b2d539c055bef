namespace Osprey.Testing;

/// <summary>
/// The database URLs tests run against: a SQLite file in a test directory, or a database of the
/// PostgreSQL and MariaDB servers tests/db/start-databases.sh starts (OSPREY_TEST_PGSQL_URL and
/// OSPREY_TEST_MYSQL_URL name them). A missing variable fails the test with what to run; it is never
/// skipped. Each kind of test has its own database on those servers ("kamailio" for Osprey.Data,
/// "kamailio_modules", "kamailio_interop"), so test projects can run in parallel.
/// </summary>
internal static class TestDatabaseUrls
{
    public static string For(string backend, string dir, string database) => backend switch
    {
        "sqlite" => "sqlite://" + Path.Combine(dir, "osprey.db"),
        "postgres" => Server("OSPREY_TEST_PGSQL_URL", database),
        "mysql" => Server("OSPREY_TEST_MYSQL_URL", database),
        _ => throw new ArgumentException(backend),
    };

    private static string Server(string variable, string database)
    {
        var v = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(v))
        {
            throw new InvalidOperationException(variable + " is not set: start the test databases first with  eval \"$(tests/db/start-databases.sh)\"  (test.sh does this)");
        }
        return v[..v.LastIndexOf('/')] + "/" + database;
    }
}

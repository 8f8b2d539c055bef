using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Osprey.Data;

/// <summary>A <see cref="DbDataSource"/> for SQLite (Microsoft.Data.Sqlite pools connections itself).
/// Each connection uses WAL and a busy timeout, so a writer thread and readers do not fail on locks.</summary>
internal sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(ConnectionString);

    protected override DbConnection OpenDbConnection()
    {
        var c = new SqliteConnection(ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;";
        cmd.ExecuteNonQuery();
        return c;
    }
}

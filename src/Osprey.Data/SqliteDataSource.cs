using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Osprey.Data;

/// <summary>A <see cref="DbDataSource"/> for SQLite (Microsoft.Data.Sqlite pools connections itself).
/// Each connection uses WAL and a busy timeout, so a writer thread and readers do not fail on locks.</summary>
internal sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(ConnectionString);

    // SQLite handles already set up: Microsoft.Data.Sqlite pools the underlying connection, and an
    // opened SqliteConnection may wrap one that ran the pragmas before (they last as long as it does)
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _initialised = new();

    protected override DbConnection OpenDbConnection()
    {
        var c = new SqliteConnection(ConnectionString);
        c.Open();
        var handle = c.Handle;
        if (handle is null || !_initialised.TryGetValue(handle, out _))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;";
            cmd.ExecuteNonQuery();
            if (handle is not null) _initialised.AddOrUpdate(handle, handle);
        }
        return c;
    }
}

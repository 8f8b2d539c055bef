using Osprey.Data.Schema;

namespace Osprey.Data.Tests;

/// <summary>The query interface and the schema on each backend (SQLite file, PostgreSQL, MariaDB).</summary>
public sealed class BackendTests : IDisposable
{
    private readonly string _dir = TestDatabases.NewTempDir();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private Database Fresh(string backend)
    {
        Assert.True(Database.TryOpen(TestDatabases.Url(backend, _dir), out var db, out var err), err);
        var sc = new SchemaCreator(db);
        sc.Drop();
        sc.Create();
        return db;
    }

    private static DbField[] LocationRow(string ruid, string user, string contact, DateTime expires, double q = 1.0, string? received = null) =>
    [
        new("ruid", ruid), new("username", user), new("domain", "example.com"), new("contact", contact),
        new("received", received), new("expires", expires), new("q", q), new("callid", "c1@h"), new("cseq", 7),
        new("last_modified", expires.AddSeconds(-3600)), new("flags", 0), new("cflags", 64), new("user_agent", "UA/1"),
        new("socket", "udp:10.0.0.1:5060"), new("methods", null), new("instance", null), new("reg_id", 0),
        new("server_id", 0), new("connection_id", -1), new("keepalive", 0), new("partition", 0),
    ];

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Schema_create_records_kamailio_table_versions_and_is_idempotent(string backend)
    {
        using var db = Fresh(backend);
        Assert.Equal(9, db.TableVersion("location"));
        Assert.Equal(7, db.TableVersion("subscriber"));
        Assert.Equal(6, db.TableVersion("address"));
        Assert.Equal(2, db.TableVersion("domain"));
        Assert.Equal(1, db.TableVersion("dbaliases"));
        Assert.Equal(5, db.TableVersion("acc"));
        Assert.Equal(4, db.TableVersion("missed_calls"));
        Assert.Equal(2, db.TableVersion("acc_cdrs"));
        Assert.Equal(["id", "method", "from_tag", "to_tag", "callid", "sip_code", "sip_reason", "time"], db.Columns("acc"));
        Assert.Equal(1, db.TableVersion("version"));
        Assert.Null(db.CheckTableVersion("location", 9));
        Assert.Contains("expected 8", db.CheckTableVersion("location", 8), StringComparison.Ordinal);
        Assert.Contains("ospreyctl db create", db.CheckTableVersion("nosuch", 1), StringComparison.Ordinal);

        var again = new SchemaCreator(db).Create();
        Assert.Empty(again);
        Assert.Single(db.Select("version", ["table_version"], [DbCondition.Eq("table_name", "location")]));
        Assert.Empty(new SchemaCreator(db).Migrate());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Insert_select_update_delete_round_trip(string backend)
    {
        using var db = Fresh(backend);
        var exp = new DateTime(2026, 11, 23, 18, 30, 5);
        Assert.Equal(1, db.Insert("location", LocationRow("r1", "alice", "sip:alice@192.0.2.1:5060", exp, 0.5)));
        Assert.Equal(1, db.Insert("location", LocationRow("r2", "alice", "sip:alice@192.0.2.2:5060", exp.AddSeconds(60), received: "sip:198.51.100.1:4000")));
        Assert.Equal(1, db.Insert("location", LocationRow("r3", "bob", "sip:bob@192.0.2.3", exp)));

        var rows = db.Select("location", ["ruid", "contact", "expires", "q", "received", "cseq", "methods"], [DbCondition.Eq("username", "alice")], "ruid");
        Assert.Equal(2, rows.Count);
        Assert.Equal("r1", rows[0].GetString(0));
        Assert.Equal("sip:alice@192.0.2.1:5060", rows[0].GetString(1));
        Assert.Equal(exp, rows[0].GetDateTime(2));
        Assert.Equal(0.5, rows[0].GetDouble(3), 3);
        Assert.True(rows[0].IsNull(4));
        Assert.Equal("sip:198.51.100.1:4000", rows[1].GetString(4));
        Assert.Equal(7, rows[0].GetInt64(5));
        Assert.True(rows[0].IsNull(6));

        Assert.Equal(1, db.Update("location", [DbCondition.Eq("ruid", "r1")], [new DbField("cseq", 8), new DbField("expires", exp.AddSeconds(120))]));
        var r1 = db.Select("location", ["cseq", "expires"], [DbCondition.Eq("ruid", "r1")]);
        Assert.Equal(8, r1[0].GetInt64(0));
        Assert.Equal(exp.AddSeconds(120), r1[0].GetDateTime(1));

        // expiry sweep: DELETE ... WHERE expires < t
        Assert.Equal(2, db.Delete("location", [DbCondition.Lt("expires", exp.AddSeconds(61))]));
        var left = db.Select("location", ["ruid"]);
        Assert.Single(left);
        Assert.Equal("r1", left[0].GetString(0));
        Assert.Equal(1, db.Delete("location", [DbCondition.Eq("domain", "example.com"), DbCondition.Eq("username", "alice")]));
        Assert.Empty(db.Select("location", ["ruid"]));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Replace_inserts_then_updates_on_the_unique_key(string backend)
    {
        using var db = Fresh(backend);
        var exp = new DateTime(2026, 11, 23, 19, 0, 0);
        db.Replace("location", LocationRow("r1", "alice", "sip:a@1", exp), ["ruid"]);
        db.Replace("location", LocationRow("r1", "alice", "sip:a@2", exp.AddHours(1)), ["ruid"]);
        var rows = db.Select("location", ["contact", "expires"], [DbCondition.Eq("ruid", "r1")]);
        Assert.Single(rows);
        Assert.Equal("sip:a@2", rows[0].GetString(0));
        Assert.Equal(exp.AddHours(1), rows[0].GetDateTime(1));

        db.Replace("subscriber", [new("username", "alice"), new("domain", "example.com"), new("password", "pw1"), new("ha1", ""), new("ha1b", "")], ["username", "domain"]);
        db.Replace("subscriber", [new("username", "alice"), new("domain", "example.com"), new("password", "pw2"), new("ha1", ""), new("ha1b", "")], ["username", "domain"]);
        var s = db.Select("subscriber", ["password"], [DbCondition.Eq("username", "alice")]);
        Assert.Single(s);
        Assert.Equal("pw2", s[0].GetString(0));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Raw_query_transactions_and_concurrent_use_of_the_pool(string backend)
    {
        using var db = Fresh(backend);
        db.InTransaction(tx =>
        {
            for (int i = 0; i < 20; i++)
            {
                tx.Insert("address", [new("grp", 1), new("ip_addr", "192.0.2." + i), new("mask", 32), new("port", 0), new("tag", null)]);
            }
        });
        var n = db.Query("SELECT COUNT(*) FROM address WHERE grp = @p0", [1]);
        Assert.Equal(20, n[0].GetInt64(0));

        // many threads share the pool
        Parallel.For(0, 8, i =>
        {
            for (int k = 0; k < 10; k++)
            {
                db.Insert("address", [new("grp", 2), new("ip_addr", "198.51.100." + i), new("mask", 24), new("port", 5060), new("tag", "t" + k)]);
                Assert.NotEmpty(db.Select("address", ["ip_addr"], [DbCondition.Eq("grp", 2)]));
            }
        });
        Assert.Equal(80, db.Query("SELECT COUNT(*) FROM address WHERE grp = @p0", [2])[0].GetInt64(0));

        // a failed transaction leaves nothing behind
        Assert.ThrowsAny<System.Data.Common.DbException>(() => db.InTransaction(tx =>
        {
            tx.Insert("address", [new("grp", 3), new("ip_addr", "203.0.113.1"), new("mask", 32), new("port", 0), new("tag", null)]);
            tx.Execute("INSERT INTO nosuchtable (x) VALUES (1)");
        }));
        Assert.Equal(0, db.Query("SELECT COUNT(*) FROM address WHERE grp = @p0", [3])[0].GetInt64(0));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Drop_removes_tables(string backend)
    {
        using var db = Fresh(backend);
        var sc = new SchemaCreator(db);
        Assert.True(sc.TableExists("location"));
        sc.Drop([KamailioSchema.Location]);
        Assert.False(sc.TableExists("location"));
        Assert.Equal(-1, db.TableVersion("location"));
        Assert.Equal(7, db.TableVersion("subscriber"));
        sc.Drop();
        Assert.False(sc.TableExists("version"));
    }

    [Fact]
    public void Sqlite_ddl_uses_kamailio_types_and_names()
    {
        Assert.True(Database.TryOpen("sqlite://" + Path.Combine(_dir, "x.db"), out var db, out _));
        using (db)
        {
            var ddl = new SchemaCreator(db).CreateStatements(KamailioSchema.Location);
            Assert.Contains("\"expires\" TIMESTAMP WITHOUT TIME ZONE DEFAULT '2030-05-28 21:32:15' NOT NULL", ddl[0], StringComparison.Ordinal);
            Assert.Contains("CONSTRAINT \"location_ruid_idx\" UNIQUE (\"ruid\")", ddl[0], StringComparison.Ordinal);
            Assert.Contains(ddl, s => s.Contains("\"location_account_contact_idx\" ON \"location\" (\"username\", \"domain\", \"contact\")", StringComparison.Ordinal));
        }
    }

    private static string? PasswordOf(DbQuery q, string user)
    {
        using var run = q.Run();
        run.Bind(0, System.Text.Encoding.UTF8.GetBytes(user));
        if (!run.Read()) return null;
        var pw = System.Text.Encoding.UTF8.GetString(run.GetUtf8(0));
        Assert.Equal(pw, run.GetString(0));
        Assert.True(run.IsNull(1));
        Assert.Null(run.GetString(1));
        Assert.Equal(7, run.GetInt64(2));
        Assert.False(run.Read());
        return pw;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Prepared_query_runs_again_with_new_arguments_and_sees_what_other_connections_commit(string backend)
    {
        using var db = Fresh(backend);
        db.Insert("subscriber", [new("username", "alice"), new("domain", "example.com"), new("password", "pw-1"), new("ha1", ""), new("ha1b", "")]);
        db.Insert("subscriber", [new("username", "bob"), new("domain", "example.com"), new("password", "bob's"), new("ha1", ""), new("ha1b", "")]);
        using var q = db.Prepare("SELECT password, NULL, 7 FROM subscriber WHERE username = @p0", 1);
        Assert.Equal("pw-1", PasswordOf(q, "alice"));
        Assert.Equal("bob's", PasswordOf(q, "bob"));
        Assert.Null(PasswordOf(q, "carol"));
        Assert.Null(PasswordOf(q, ""));

        // another Database: its own connections, as another process would have
        Assert.True(Database.TryOpen(TestDatabases.Url(backend, _dir), out var other, out var err), err);
        using (other)
        {
            other.Update("subscriber", [DbCondition.Eq("username", "alice")], [new("password", "pw-2")]);
            Assert.Equal("pw-2", PasswordOf(q, "alice"));
            other.Delete("subscriber", [DbCondition.Eq("username", "bob")]);
            Assert.Null(PasswordOf(q, "bob"));

            // readers on several threads while the other connection keeps changing the row: each run sees
            // a committed value, and after the last write every run sees it
            int writes = 0;
            var readers = new Task[4];
            for (int t = 0; t < readers.Length; t++)
            {
                readers[t] = Task.Run(() =>
                {
                    while (Volatile.Read(ref writes) < 20)
                    {
                        var pw = PasswordOf(q, "alice");
                        Assert.True(pw is not null && pw.StartsWith("pw-", StringComparison.Ordinal), pw);
                    }
                });
            }
            for (int i = 3; i < 23; i++)
            {
                other.Update("subscriber", [DbCondition.Eq("username", "alice")], [new("password", "pw-" + i)]);
                Interlocked.Increment(ref writes);
            }
            Assert.True(Task.WaitAll(readers, TimeSpan.FromSeconds(30)));
            Assert.Equal("pw-22", PasswordOf(q, "alice"));
        }
    }

    [Fact]
    public void Prepared_query_with_a_mistake_says_so_when_prepared_for_a_run()
    {
        using var db = Fresh("sqlite");
        using var q = db.Prepare("SELECT nosuchcolumn FROM subscriber WHERE username = @p0", 1);
        var ex = Assert.ThrowsAny<System.Data.Common.DbException>(() =>
        {
            using var run = q.Run();
        });
        Assert.Contains("nosuchcolumn", ex.Message, StringComparison.Ordinal);
    }
}

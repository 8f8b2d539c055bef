using Osprey.Data;
using Osprey.Data.Schema;
using Osprey.Modules.Tests.Tm;

namespace Osprey.Modules.Tests.Acc;

/// <summary>
/// acc's database backend driven by real transactions (tm on a harness server) on SQLite, PostgreSQL and
/// MariaDB: rows in Kamailio's acc and missed_calls tables, db_extra columns, flush at shutdown, and no
/// row lost while the database refuses writes.
/// </summary>
public sealed class AccDbTests : IDisposable
{
    private const int FltAcc = 1, FltMissed = 2, FltFailed = 3;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "osprey-accdb-" + Guid.NewGuid().ToString("N"));
    // per-test tables: the module tests share one database per server and run in parallel
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly List<(Database Db, string[] Tables)> _cleanup = [];

    public AccDbTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        foreach (var (db, tables) in _cleanup)
        {
            foreach (var t in tables) db.Execute("DROP TABLE IF EXISTS " + t);
            db.Dispose();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string AccTable => "acc_" + _suffix;
    private string MissedTable => "mc_" + _suffix;

    /// <summary>Kamailio's acc and missed_calls tables under per-test names, plus the columns Debian's
    /// kamailio.cfg asks operators to add for its db_extra.</summary>
    private Database CreateTables(string url, bool withExtraColumns)
    {
        Assert.True(Database.TryOpen(url, out var db, out var err), err);
        _cleanup.Add((db, [AccTable, MissedTable]));
        var creator = new SchemaCreator(db);
        foreach (var t in new[] { KamailioSchema.Acc with { Name = AccTable, Indexes = [] }, KamailioSchema.MissedCalls with { Name = MissedTable, Indexes = [] } })
        {
            foreach (var sql in creator.CreateStatements(t)) db.Execute(sql);
            if (withExtraColumns)
            {
                db.Execute("ALTER TABLE " + t.Name + " ADD COLUMN src_user VARCHAR(64) NOT NULL DEFAULT ''");
                db.Execute("ALTER TABLE " + t.Name + " ADD COLUMN ua VARCHAR(64) NOT NULL DEFAULT ''");
            }
        }
        return db;
    }

    private (TmHarness H, Osprey.Modules.Acc.Acc Acc) Proxy(string url, string extra = "", Action<Osprey.Modules.Acc.Acc>? configure = null)
    {
        var h = new TmHarness();
        var acc = new Osprey.Modules.Acc.Acc
        {
            Server = h.Server, Tm = h.Tm, Log = new NullLog(), DbUrl = url, DbFlag = FltAcc, DbMissedFlag = FltMissed,
            FailedTransactionFlag = FltFailed, DbTableAcc = AccTable, DbTableMissedCalls = MissedTable, DbExtra = extra,
            // without the script engine, $hdr() is what log_extra/db_extra understand here; the script's
            // pseudo-variables ($fU, $si, ...) are covered by the interop tests with Debian's kamailio.cfg
            ExtraEvaluator = (ctx, spec) => spec == "$fU" ? "alice" : null,
        };
        configure?.Invoke(acc);
        Assert.Null(acc.Init());
        return (h, acc);
    }

    private sealed class NullLog : Osprey.Modules.Acc.IAccLogWriter
    {
        public readonly List<string> Lines = [];
        public void Write(int level, string facility, string line)
        {
            lock (Lines) Lines.Add(line);
        }
    }

    private static void Call(TmHarness h, string callId, int status, string reason, ulong flags)
    {
        h.Router.Request = ctx =>
        {
            ctx.Flags |= flags;
            ctx.DestinationUri = "sip:" + TmHarness.Uas;
            Assert.Equal(1, h.Tm.TRelay(ctx));
        };
        int mark = h.Net.Mark;
        h.FromUac(TmHarness.Invite(branch: "z9hG4bK" + callId, callId: callId, extra: "User-Agent: Phone/1.0\r\n"));
        var relayed = h.Net.To(TmHarness.Uas, mark).Single(m => m.IsRequest);
        h.FromUas(TmHarness.ReplyTo(relayed, status, reason, toTag: "bobtag"));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Answered_and_missed_calls_become_rows_in_kamailios_tables(string backend)
    {
        var url = ModuleTestDatabases.Url(backend, _dir);
        var db = CreateTables(url, withExtraColumns: true);
        var (h, acc) = Proxy(url, "src_user=$fU;ua=$hdr(User-Agent)");
        var before = DateTime.UtcNow.AddSeconds(-2);

        Call(h, "answered-" + _suffix, 200, "OK", 1UL << FltAcc);
        Call(h, "busy-" + _suffix, 486, "Busy Here", (1UL << FltAcc) | (1UL << FltMissed));
        Call(h, "failed-" + _suffix, 503, "Unavailable", (1UL << FltAcc) | (1UL << FltFailed));
        Call(h, "notflagged-" + _suffix, 200, "OK", 0);
        Assert.True(acc.WaitDbWritten(TimeSpan.FromSeconds(30)));

        var rows = db.Select(AccTable, ["method", "from_tag", "to_tag", "callid", "sip_code", "sip_reason", "time", "src_user", "ua"], orderBy: "id");
        Assert.Equal(2, rows.Count); // the 200, and the failure only with failed_transaction_flag
        Assert.Equal(["INVITE", "a1", "bobtag", "answered-" + _suffix, "200", "OK"], Enumerable.Range(0, 6).Select(i => rows[0].GetString(i)));
        Assert.Equal("alice", rows[0].GetString(7));
        Assert.Equal("Phone/1.0", rows[0].GetString(8));
        var t = rows[0].GetDateTime(6);
        Assert.InRange(t, before, DateTime.UtcNow.AddSeconds(2));
        Assert.Equal("failed-" + _suffix, rows[1].GetString(3));
        Assert.Equal("500", rows[1].GetString(4)); // tm passes a 503 upstream as 500 (RFC 3261 §16.7 step 6)

        var missed = db.Select(MissedTable, ["callid", "sip_code", "sip_reason", "to_tag", "src_user"]);
        var m = Assert.Single(missed);
        Assert.Equal("busy-" + _suffix, m.GetString(0));
        Assert.Equal("486", m.GetString(1));
        Assert.Equal("Busy Here", m.GetString(2));
        Assert.Equal("bobtag", m.GetString(3));
        Assert.Equal("alice", m.GetString(4));
        acc.Stop();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Stop_writes_every_queued_row_before_returning(string backend)
    {
        var url = ModuleTestDatabases.Url(backend, _dir);
        var db = CreateTables(url, withExtraColumns: false);
        var (h, acc) = Proxy(url);
        const int calls = 300;
        for (int i = 0; i < calls; i++) Call(h, "c" + i + "-" + _suffix, 200, "OK", 1UL << FltAcc);
        acc.Stop(); // what SIGTERM does: no wait before it, every row must be in the table after it
        Assert.Equal(calls, db.Query("SELECT COUNT(*) FROM " + AccTable)[0].GetInt64(0));
    }

    [Fact]
    public void Rows_wait_while_the_database_refuses_them_and_none_is_lost()
    {
        var url = ModuleTestDatabases.Url("sqlite", _dir);
        var db = CreateTables(url, withExtraColumns: false);
        var (h, acc) = Proxy(url);
        db.Execute("ALTER TABLE " + AccTable + " RENAME TO parked_" + _suffix); // inserts now fail
        _cleanup.Add((db, ["parked_" + _suffix]));
        for (int i = 0; i < 5; i++) Call(h, "down" + i, 200, "OK", 1UL << FltAcc);
        Assert.False(acc.WaitDbWritten(TimeSpan.FromSeconds(1)));
        db.Execute("ALTER TABLE parked_" + _suffix + " RENAME TO " + AccTable);
        Assert.True(acc.WaitDbWritten(TimeSpan.FromSeconds(30)));
        Assert.Equal(5, db.Query("SELECT COUNT(*) FROM " + AccTable)[0].GetInt64(0));
        acc.Stop();
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 1)]
    public void Serial_forking_accounts_each_failed_attempt_when_the_failure_route_sets_the_missed_flag_again(bool setAgain, int rows)
    {
        var url = ModuleTestDatabases.Url("sqlite", _dir);
        var db = CreateTables(url, withExtraColumns: false);
        var (h, acc) = Proxy(url);
        h.Router.Request = ctx =>
        {
            ctx.Flags |= 1UL << FltMissed;
            h.Tm.TOnFailure(ctx, "retry");
            ctx.DestinationUri = "sip:" + TmHarness.Uas;
            Assert.Equal(1, h.Tm.TRelay(ctx));
        };
        h.Router.Routes[(Osprey.Core.Modules.RouteTypes.Failure, "retry")] = ctx =>
        {
            if (setAgain) ctx.Flags |= 1UL << FltMissed; // Kamailio resets it after each failure
            ctx.DestinationUri = "sip:" + TmHarness.Uas2;
            Assert.Equal(1, h.Tm.TRelay(ctx));
            return 1;
        };
        int mark = h.Net.Mark;
        h.FromUac(TmHarness.Invite(branch: "z9hG4bKserial", callId: "serial-" + _suffix));
        h.FromUas(TmHarness.ReplyTo(h.Net.To(TmHarness.Uas, mark).Single(m => m.IsRequest), 486, "Busy Here", toTag: "first"));
        h.FromUas(TmHarness.ReplyTo(h.Net.To(TmHarness.Uas2, mark).Single(m => m.IsRequest && m.Method == Osprey.Sip.Message.SipMethod.Invite), 480, "Later", toTag: "second"), TmHarness.Uas2);
        Assert.Equal(480, h.Net.To(TmHarness.Uac, mark).Last().StatusCode);
        Assert.True(acc.WaitDbWritten(TimeSpan.FromSeconds(30)));

        var missed = db.Select(MissedTable, ["sip_code", "sip_reason", "to_tag"], orderBy: "id");
        Assert.Equal(rows, missed.Count);
        Assert.Equal(["486", "Busy Here", "first"], Enumerable.Range(0, 3).Select(i => missed[0].GetString(i)));
        if (rows == 2) Assert.Equal(["480", "Later", "second"], Enumerable.Range(0, 3).Select(i => missed[1].GetString(i)));
        acc.Stop();
    }

    [Fact]
    public void Acc_db_request_writes_a_row_for_the_request_now()
    {
        var url = ModuleTestDatabases.Url("sqlite", _dir);
        var db = CreateTables(url, withExtraColumns: true);
        var (h, acc) = Proxy(url, "src_user=$fU;ua=$hdr(User-Agent)");
        h.Router.Request = ctx => Assert.Equal(1, acc.AccDbRequest(ctx, "404 Not here", MissedTable));
        h.FromUac(TmHarness.Invite(branch: "z9hG4bKreq", callId: "req-" + _suffix, extra: "User-Agent: Phone/2.0\r\n"));
        Assert.True(acc.WaitDbWritten(TimeSpan.FromSeconds(30)));
        var row = Assert.Single(db.Select(MissedTable, ["method", "callid", "sip_code", "sip_reason", "src_user", "ua"]));
        Assert.Equal(["INVITE", "req-" + _suffix, "404", "Not here", "alice", "Phone/2.0"], Enumerable.Range(0, 6).Select(i => row.GetString(i)));
        acc.Stop();
    }

    [Fact]
    public void A_db_extra_column_missing_from_the_table_stops_the_start_with_the_alter_table_to_run()
    {
        var url = ModuleTestDatabases.Url("sqlite", _dir);
        CreateTables(url, withExtraColumns: false);
        var acc = new Osprey.Modules.Acc.Acc { DbUrl = url, DbFlag = FltAcc, DbTableAcc = AccTable, DbExtra = "src_ip=$si" };
        var err = acc.Init();
        Assert.NotNull(err);
        Assert.Contains("ALTER TABLE " + AccTable + " ADD COLUMN src_ip", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Db_flag_without_db_url_is_a_start_error()
    {
        var acc = new Osprey.Modules.Acc.Acc { DbFlag = FltAcc };
        Assert.Contains("db_url", acc.Init(), StringComparison.Ordinal);
    }
}

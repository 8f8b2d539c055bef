using Osprey.Data;
using Osprey.Modules.Usrloc;

namespace Osprey.Modules.Tests.Usrloc;

public class UsrlocTests
{
    private static void RegisterMany(RegistrarFixture f, int users, int contactsEach, int expires, string prefix = "u")
    {
        for (int u = 0; u < users; u++)
        {
            var contacts = new string[contactsEach];
            for (int k = 0; k < contactsEach; k++) contacts[k] = "<sip:" + prefix + u + "@10.0." + u % 250 + "." + k + ":5060>;q=0." + (k + 1);
            Assert.Equal(1, f.Save(SipHarness.Register(prefix + u, contacts, callId: prefix + u + "@x", expires: expires)));
        }
    }

    private static long RowCount(RegistrarFixture f)
    {
        Assert.True(Database.TryOpen(f.DbUrl, out var db, out _));
        using (db) return db.Query("SELECT COUNT(*) FROM location")[0].GetInt64(0);
    }

    [Fact]
    public async Task Many_aors_sharing_a_slot_are_each_found_removed_expired_and_dumped()
    {
        // hash_size 1: two slots, so every slot chains dozens of AORs.
        using var f = new RegistrarFixture(ul: u => u.HashSize = 1);
        RegisterMany(f, 60, 1, 600);
        f.Save(SipHarness.Register("short", ["<sip:s@9.9.9.9>"], callId: "s@x", expires: 60));
        var t = f.Ul.Table("location");
        Assert.Equal(61, t.Users);
        for (int u = 0; u < 60; u++)
            Assert.Equal("sip:u" + u + "@10.0." + u % 250 + ".0:5060", Assert.Single(f.Ul.LookupAor("location", "u" + u)!.Contacts).Contact);

        // Unregister every third: the others in the same chain stay.
        for (int u = 0; u < 60; u += 3)
            f.Save(SipHarness.Register("u" + u, ["<sip:u" + u + "@10.0." + u % 250 + ".0:5060>;expires=0"], callId: "u" + u + "@x", cseq: 2));
        f.Now += 61;
        f.Ul.RunTimer(); // and "short" expires from the middle of its chain
        Assert.Null(f.Ul.LookupAor("location", "short"));
        for (int u = 0; u < 60; u++)
            Assert.Equal(u % 3 != 0, f.Ul.LookupAor("location", "u" + u) is not null);
        Assert.Equal(40, t.Users);
        Assert.Equal(40, t.Contacts);

        var dumped = new List<string>();
        await foreach (var aor in f.Ul.Dump("location")) dumped.Add(aor.Aor);
        Assert.Equal(40, dumped.Count);
        Assert.Equal(40, dumped.Distinct().Count());

        // every slot emptied, then filled again by other users
        for (int u = 1; u < 60; u++)
        {
            if (u % 3 != 0)
                f.Save(SipHarness.Register("u" + u, ["<sip:u" + u + "@10.0." + u % 250 + ".0:5060>;expires=0"], callId: "u" + u + "@x", cseq: 3));
        }
        Assert.Equal(0, t.Users);
        dumped.Clear();
        await foreach (var aor in f.Ul.Dump("location")) dumped.Add(aor.Aor);
        Assert.Empty(dumped);
        RegisterMany(f, 30, 2, 600, prefix: "w");
        Assert.Equal(30, t.Users);
        Assert.Equal(60, t.Contacts);
        for (int u = 0; u < 30; u++)
            Assert.Equal(2, f.Ul.LookupAor("location", "w" + u)!.Contacts.Count);
        Assert.Null(f.Ul.LookupAor("location", "u1"));
    }

    [Fact]
    public void Timer_drops_expired_bindings_and_counts_them()
    {
        using var f = new RegistrarFixture();
        int expired = 0;
        f.Ul.ContactExpired += (_, _, _) => expired++;
        f.Save(SipHarness.Register("a", ["<sip:a@1.1.1.1>"], callId: "1@x", expires: 60));
        f.Save(SipHarness.Register("b", ["<sip:b@1.1.1.1>", "<sip:b@1.1.1.2>;expires=600"], callId: "2@x", expires: 60));
        var t = f.Ul.Table("location");
        Assert.Equal(2, t.Users);
        Assert.Equal(3, t.Contacts);
        Assert.Equal(2, f.Ul.RegisteredUsers);
        f.Now += 61;
        f.Ul.RunTimer();
        Assert.Equal(2, expired);
        Assert.Equal(2, t.Expired);
        Assert.Equal(1, t.Users);
        Assert.Equal(1, t.Contacts);
        Assert.Null(f.Ul.LookupAor("location", "a"));
        Assert.Contains(new KeyValuePair<string, long>("location_contacts", 1), f.Ul.TableStatistics());
        Assert.Contains(new KeyValuePair<string, long>("location_expires", 2), f.Ul.TableStatistics());
        Assert.Contains(new KeyValuePair<string, long>("location_users", 1), f.Ul.TableStatistics());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Db_mode_1_writes_through_and_survives_restart(string backend)
    {
        using var f = new RegistrarFixture(dbMode: 1, backend: backend);
        RegisterMany(f, 50, 2, 600);
        Assert.Equal(100, RowCount(f)); // written before save() returned
        f.Save(SipHarness.Register("u0", ["<sip:u0@10.0.0.0:5060>;expires=0"], callId: "u0@x", cseq: 2));
        Assert.Equal(99, RowCount(f));
        f.Save(SipHarness.Register("short", ["<sip:s@9.9.9.9>"], callId: "s@x", expires: 60));
        f.Now += 100; // "short" expired while down

        f.Restart(dbMode: 1, ul => ul.Preload = "location");
        var t = f.Ul.Table("location");
        Assert.Equal(50, t.Users);
        Assert.Equal(99, t.Contacts);
        Assert.Null(f.Ul.LookupAor("location", "short"));
        var u7 = f.Ul.LookupAor("location", "u7")!;
        Assert.Equal(2, u7.Contacts.Count);
        Assert.Equal("sip:u7@10.0.7.1:5060", u7.Contacts[0].Contact); // q 0.2 first
        Assert.Equal(200, u7.Contacts[0].Q);
        Assert.Equal(f.Now - 100 + 600, u7.Contacts[0].Expires);
        Assert.Equal("u7@x", u7.Contacts[0].CallId);
        Assert.Equal("TestUA/1.0", u7.Contacts[0].UserAgent);
        Assert.Equal(1, f.Lookup("sip:u7@example.com"));
        Assert.Equal("sip:u7@10.0.7.1:5060", f.Sip.Ruri);
        // re-registration after restart keeps the ordering check (CSeq from the database)
        Assert.Equal(-1, f.Save(SipHarness.Register("u7", ["<sip:u7@10.0.7.1:5060>"], callId: "u7@x", cseq: 0)));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Db_mode_2_writes_back_on_the_timer_and_on_stop_and_survives_restart(string backend)
    {
        using var f = new RegistrarFixture(dbMode: 2, backend: backend);
        RegisterMany(f, 40, 3, 600);
        Assert.Equal(0, RowCount(f)); // not yet: write-back
        f.Ul.RunTimer();
        Assert.Equal(120, RowCount(f));
        // changes after the flush: one removal, one refresh, ten new AORs flushed only by Stop()
        f.Save(SipHarness.Register("u1", ["<sip:u1@10.0.1.0:5060>;expires=0"], callId: "u1@x", cseq: 2));
        f.Now += 10;
        f.Save(SipHarness.Register("u2", ["<sip:u2@10.0.2.0:5060>;expires=3000"], callId: "u2@x", cseq: 2));
        RegisterMany(f, 10, 1, 600, "late");
        Assert.Equal(120, RowCount(f));

        f.Restart(dbMode: 2, ul => ul.Preload = "location");
        var t = f.Ul.Table("location");
        Assert.Equal(50, t.Users);
        Assert.Equal(129, t.Contacts);
        Assert.Equal(2, f.Ul.LookupAor("location", "u1")!.Contacts.Count);
        var u2 = f.Ul.LookupAor("location", "u2")!;
        var refreshed = u2.Contacts.First(c => c.Contact == "sip:u2@10.0.2.0:5060");
        Assert.Equal(f.Now + 3000, refreshed.Expires);
        Assert.Equal(2, refreshed.CSeq);
        Assert.NotNull(f.Ul.LookupAor("location", "late9"));

        // expiry removes rows too
        f.Now += 601;
        f.Ul.RunTimer();
        Assert.Equal(1, RowCount(f)); // only u2's refreshed binding is left
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public void Db_mode_3_keeps_nothing_in_memory_and_nodes_share_the_table(string backend)
    {
        using var f = new RegistrarFixture(dbMode: 3, backend: backend);
        f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"], callId: "a@x", expires: 600));
        Assert.Equal(1, RowCount(f));
        Assert.Equal(0, f.Ul.Table("location").Contacts);

        // a second node on the same database sees the binding and can update it
        using var node2 = new UsrlocModule { DbMode = 3, DbUrl = f.DbUrl, TimerInterval = 3600, Clock = () => f.Now };
        Assert.Null(node2.Init());
        Assert.Null(node2.RegisterTable("location", out _));
        var seen = node2.LookupAor("location", "alice");
        Assert.NotNull(seen);
        Assert.Equal("sip:a@1.1.1.1", seen.Contacts[0].Contact);

        Assert.Equal(1, f.Lookup("sip:alice@example.com"));
        Assert.Equal(2, f.Save(SipHarness.Register("alice", ["<sip:a@1.1.1.1>"], callId: "a@x", cseq: 2, expires: 900)));
        Assert.Equal(f.Now + 900, node2.LookupAor("location", "alice")!.Contacts[0].Expires);
        Assert.True(node2.RemoveAor("location", "alice").IsOk);
        Assert.Equal(-1, f.Lookup("sip:alice@example.com"));

        f.Save(SipHarness.Register("bob", ["<sip:b@1.1.1.1>"], callId: "b@x", expires: 60));
        f.Now += 61;
        f.Ul.RunTimer();
        Assert.Equal(0, RowCount(f));
    }

    [Fact]
    public void Missing_schema_is_an_init_error_that_says_what_to_run()
    {
        var dir = Path.Combine(Path.GetTempPath(), "osprey-ul-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            using var ul = new UsrlocModule { DbMode = 1, DbUrl = "sqlite://" + Path.Combine(dir, "x.db"), Preload = "location" };
            var err = ul.Init();
            Assert.NotNull(err);
            Assert.Contains("ospreyctl db create", err, StringComparison.Ordinal);
            using var ul2 = new UsrlocModule { DbMode = 1, DbUrl = "" };
            Assert.Contains("db_url", ul2.Init(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Rpc_dump_lookup_add_rm_rm_contact_flush()
    {
        using var f = new RegistrarFixture();
        RegisterMany(f, 300, 2, 600);
        int aors = 0, contacts = 0;
        await foreach (var a in f.Ul.Dump())
        {
            aors++;
            contacts += a.Contacts.Count;
        }
        Assert.Equal(300, aors);
        Assert.Equal(600, contacts);

        Assert.True(f.Ul.AddContact("location", "zed", "sip:zed@5.5.5.5", 0, 0.7).IsOk);
        var z = f.Ul.LookupAor("location", "zed")!;
        Assert.Equal(0, z.Contacts[0].Expires); // permanent
        Assert.Equal(700, z.Contacts[0].Q);
        f.Now += 10_000;
        Assert.True(f.Ul.Flush().IsOk);
        Assert.NotNull(f.Ul.LookupAor("location", "zed")); // permanent survives expiry
        Assert.Null(f.Ul.LookupAor("location", "u1"));

        Assert.True(f.Ul.AddContact("location", "zed", "sip:zed@6.6.6.6", 60, -1).IsOk);
        Assert.Equal(404, f.Ul.RemoveContact("location", "zed", "sip:nope@1.1.1.1").Code);
        Assert.True(f.Ul.RemoveContact("location", "zed", "sip:zed@5.5.5.5").IsOk);
        Assert.Single(f.Ul.LookupAor("location", "zed")!.Contacts);
        Assert.True(f.Ul.RemoveAor("location", "zed").IsOk);
        Assert.Equal(404, f.Ul.RemoveAor("location", "zed").Code);
        Assert.Equal(404, f.Ul.RemoveAor("nosuchtable", "zed").Code);
        Assert.Null(f.Ul.LookupAor("location", "zed"));
    }

    [Fact]
    public void Bindings_of_an_aor_stay_in_q_order_through_adds_changes_and_removals_each_with_its_own_ruid()
    {
        using var f = new RegistrarFixture();
        var t = f.Ul.Table("location");
        var made = new List<ContactBinding>();
        using (var l = t.Lock("multi"))
        {
            foreach (int q in new[] { 500, 1000, -1, 100, 700, 300 })
            {
                var b = t.NewBinding("sip:multi@10.0.0." + (q < 0 ? 0 : q / 100));
                b.Q = q;
                b.Expires = f.Now + 600;
                Assert.True(l.Insert(b));
                made.Add(b);
            }
            // changed q: moves to its new place
            made[3].Q = 900;
            Assert.True(l.Update(made[3]));
            // removed from the middle, the front and the end
            Assert.True(l.Delete(made[4]));
            Assert.True(l.Delete(made[1]));
            Assert.True(l.Delete(made[5]));
            Assert.False(l.Delete(made[5]));
        }
        var contacts = f.Ul.LookupAor("location", "multi")!.Contacts;
        // no q counts as 1.0
        Assert.Equal(["sip:multi@10.0.0.0", "sip:multi@10.0.0.1", "sip:multi@10.0.0.5"], contacts.Select(c => c.Contact));
        Assert.Equal(3, t.Contacts);

        var ruids = made.Select(b => b.Ruid).ToList();
        Assert.Equal(ruids.Count, ruids.Distinct().Count());
        Assert.All(ruids, r => Assert.Matches("^uloc-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$", r));
        Assert.Same(made[0].Ruid, made[0].Ruid);
        Assert.Equal(made[0].Ruid, contacts.Single(c => c.Contact == made[0].Contact).Ruid);
    }

    [Fact]
    public void Concurrent_registrations_on_many_threads_lose_nothing()
    {
        using var f = new RegistrarFixture(ul: u => u.HashSize = 4);
        var t = f.Ul.Table("location");
        Parallel.For(0, 8, w =>
        {
            for (int i = 0; i < 500; i++)
            {
                string aor = "w" + w + "u" + (i % 100);
                using var l = t.Lock(aor);
                var b = t.NewBinding("sip:" + aor + "@10.0.0." + (i / 100));
                b.Expires = f.Now + 600;
                l.Insert(b);
            }
        });
        Assert.Equal(800, t.Users);
        Assert.Equal(4000, t.Contacts);
    }

    [Fact]
    public void Expiry_runs_on_the_shared_timing_wheel()
    {
        using var wheel = new Osprey.Core.Timers.TimingWheel();
        using var f = new RegistrarFixture(ul: u => { u.Wheel = wheel; u.TimerInterval = 1; });
        f.Save(SipHarness.Register("a", ["<sip:a@1.1.1.1>"], expires: 60));
        Assert.Equal(1, f.Ul.Table("location").Contacts);
        f.Now += 61;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (f.Ul.Table("location").Contacts != 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.Equal(0, f.Ul.Table("location").Contacts);
        Assert.Equal(1, f.Ul.Table("location").Expired);
    }

    [Fact]
    public void Table_statistics_are_in_the_server_registry()
    {
        using var f = new RegistrarFixture();
        f.Save(SipHarness.Register("a", ["<sip:a@1.1.1.1>", "<sip:a@1.1.1.2>"]));
        Assert.True(f.Sip.Server.Statistics.TryGet("usrloc:location_contacts", out var c));
        Assert.Equal(2, c.Read());
        Assert.True(f.Sip.Server.Statistics.TryGet("usrloc:location_users", out var u));
        Assert.Equal(1, u.Read());
        Assert.True(f.Sip.Server.Statistics.TryGet("usrloc:location_expires", out var e));
        Assert.Equal(0, e.Read());
        Assert.False(f.Sip.Server.Statistics.TryGet("usrloc:location-contacts", out _)); // Kamailio's names only
    }

    [Fact]
    public void Write_back_that_fails_keeps_changes_for_the_next_run()
    {
        using var f = new RegistrarFixture(dbMode: 2);
        RegisterMany(f, 5, 1, 600);
        f.Ul.RunTimer();
        Assert.Equal(5, RowCount(f));
        f.Save(SipHarness.Register("u0", ["<sip:u0@10.0.0.0:5060>;expires=0"], callId: "u0@x", cseq: 2));
        RegisterMany(f, 3, 1, 600, "n");
        Assert.True(Database.TryOpen(f.DbUrl, out var db, out _));
        using (db)
        {
            db.Execute("ALTER TABLE location RENAME TO location_away");
            f.Ul.RunTimer(); // fails: nothing is lost
            db.Execute("ALTER TABLE location_away RENAME TO location");
        }
        Assert.Equal(5, RowCount(f));
        f.Ul.RunTimer();
        Assert.Equal(4 + 3, RowCount(f));
    }

    [Fact]
    public void Write_through_failure_answers_500()
    {
        using var f = new RegistrarFixture(dbMode: 1);
        Assert.True(Database.TryOpen(f.DbUrl, out var db, out _));
        using (db) db.Execute("ALTER TABLE location RENAME TO location_away");
        Assert.Equal(-1, f.Save(SipHarness.Register("a", ["<sip:a@1.1.1.1>"])));
        Assert.Equal(500, f.Sip.LastReply().StatusCode);
    }
}

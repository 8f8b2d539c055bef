using System.Diagnostics;
using Osprey.Interop.Tests.Support;
using static Osprey.Interop.Tests.Support.RegistrarLab;

namespace Osprey.Interop.Tests;

/// <summary>
/// Registrations survive a restart of the real osprey process when usrloc keeps them in SQLite:
/// db_mode 1 (write-through) and 2 (write-back on the timer, flushed on SIGTERM); after a SIGKILL
/// db_mode 2 loses at most the changes of the last timer_interval. And what the usrloc timer does when
/// contacts expire: event_route[usrloc:contact-expired] with $ulc(exp=>...).
/// </summary>
public class RegistrarRestartTests
{
    private const int Users = 10_000;
    private const int ShortLived = 100;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Unexpired_contacts_survive_SIGTERM_and_a_restart_and_calls_to_them_route(int dbMode)
    {
        using var lab = new RegistrarLab(Users, dbMode: dbMode, timerInterval: 60);
        int contactPort = OspreyProcess.FreePort();
        // the last ShortLived users register for 2 s only: they must not come back after the restart
        var users = lab.InjectionFile("users.csv", Enumerable.Range(0, Users).Select(i => N(i) + ";pw" + N(i) + ";" + (i >= Users - ShortLived ? "2" : "3600")));
        using (var osprey = lab.Start(withAuth: true))
        {
            // 300/s: db_mode 1 writes each binding through to SQLite before the 200 (fsync per write)
            Assert.Equal(Users, lab.RunSipp("reg-user.xml", users, Users, 300, contactPort, timeout: TimeSpan.FromSeconds(150)).Ok);
            Assert.Equal(Users, lab.Dump().Count);
            Thread.Sleep(3000); // the short-lived ones expire (the timer has not swept them yet: timer_interval 60)
            Assert.Equal(0, osprey.Terminate(TimeSpan.FromSeconds(60))); // a clean exit: write-back data flushed
        }

        using var again = lab.Start(withAuth: true);
        var dump = lab.Dump();
        Assert.Equal(Users - ShortLived, dump.Count);
        for (int i = 0; i < Users - ShortLived; i++)
        {
            Assert.True(dump.TryGetValue("u" + N(i), out var contacts), "u" + N(i) + " lost in the restart");
            Assert.Equal("sip:u" + N(i) + "@127.0.0.1:" + N(contactPort), Assert.Single(contacts));
        }

        using var uas = Sipp.Start(lab.RunDir("uas"), "-sf", Sipp.Scenario("call-uas.xml"), "-i", "127.0.0.1", "-p", N(contactPort), "-timeout", "90s");
        Thread.Sleep(500);
        var calls = lab.InjectionFile("calls.csv", Enumerable.Range(0, 200).Select(i => N(i) + ";pw" + N(i) + ";" + N((i * 7919 + 13) % (Users - ShortLived))));
        Assert.Equal(200, lab.RunSipp("call-uac-auth.xml", calls, 200, 40, OspreyProcess.FreePort()).Ok);
    }

    /// <summary>
    /// db_mode 2 writes changes on the usrloc timer. Contacts registered more than timer_interval
    /// before a SIGKILL are in the database; only those of the last interval may be lost.
    /// </summary>
    [Fact]
    public void Write_back_loses_at_most_the_last_timer_interval_on_SIGKILL()
    {
        const int TimerInterval = 3, Before = 5000, After = 2000;
        using var lab = new RegistrarLab(Before + After, dbMode: 2, timerInterval: TimerInterval);
        int contactPort = OspreyProcess.FreePort();
        var first = lab.InjectionFile("first.csv", Enumerable.Range(0, Before).Select(i => N(i) + ";pw" + N(i) + ";3600"));
        var second = lab.InjectionFile("second.csv", Enumerable.Range(Before, After).Select(i => N(i) + ";pw" + N(i) + ";3600"));
        int survivors;
        using (var osprey = lab.Start(withAuth: false))
        {
            Assert.Equal(Before, lab.RunSipp("reg-user.xml", first, Before, 1000, contactPort).Ok);
            var firstDone = Stopwatch.StartNew();
            Thread.Sleep(TimeSpan.FromSeconds(2 * TimerInterval + 1)); // more than one timer run after the last of them
            Assert.Equal(After, lab.RunSipp("reg-user.xml", second, After, 2000, contactPort, limit: 2000).Ok);
            osprey.KillHard();
            Assert.True(firstDone.Elapsed > TimeSpan.FromSeconds(TimerInterval));
        }

        using var again = lab.Start(withAuth: false);
        var dump = lab.Dump();
        for (int i = 0; i < Before; i++)
        {
            Assert.True(dump.ContainsKey("u" + N(i)), "u" + N(i) + ", registered more than timer_interval before the SIGKILL, was lost");
        }
        survivors = dump.Count;
        Assert.InRange(survivors, Before, Before + After);
        Console.WriteLine($"db_mode 2 SIGKILL: {Before} registered before the last interval all kept; {survivors - Before} of the {After} of the last interval kept");
    }

    /// <summary>event_route[usrloc:contact-expired] of the real osprey process, with $ulc(exp=>...).</summary>
    [Fact]
    public void Contact_expired_event_route_runs_for_each_expired_contact_with_its_attributes()
    {
        using var lab = new RegistrarLab(10, dbMode: 0, timerInterval: 1);
        using var osprey = lab.Start(withAuth: false);
        int contactPort = OspreyProcess.FreePort();
        // u0..u2 for 1 s, u3 for an hour
        var users = lab.InjectionFile("users.csv", Enumerable.Range(0, 4).Select(i => N(i) + ";pw" + N(i) + ";" + (i < 3 ? "1" : "3600")));
        Assert.Equal(4, lab.RunSipp("reg-user.xml", users, 4, 10, contactPort).Ok);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && lab.Dump().Count > 1) Thread.Sleep(250);
        Assert.Equal(["u3"], lab.Dump().Keys);
        Thread.Sleep(500);
        var log = osprey.Log;
        for (int i = 0; i < 3; i++)
        {
            Assert.Contains($"contact expired: aor=u{i} addr=sip:u{i}@127.0.0.1:{contactPort} callid=", log, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("aor=u3", log, StringComparison.Ordinal);
    }
}

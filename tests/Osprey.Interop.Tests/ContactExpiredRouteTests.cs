using Osprey.Interop.Tests.Support;
using static Osprey.Interop.Tests.Support.RegistrarLab;

namespace Osprey.Interop.Tests;

/// <summary>event_route[usrloc:contact-expired] of the real osprey process, with $ulc(exp=>...).</summary>
public class ContactExpiredRouteTests
{
    [Fact]
    public void The_route_runs_for_each_expired_contact_with_its_attributes()
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

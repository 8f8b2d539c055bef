using Osprey.Interop.Tests.Support;
using static Osprey.Interop.Tests.Support.RegistrarLab;

namespace Osprey.Interop.Tests;

/// <summary>
/// The real osprey process running a kamailio.cfg registrar with digest authentication against
/// subscribers on SQLite (Configs/registrar-auth.cfg), driven by SIPp: many distinct users
/// register, wrong passwords and replayed or expired nonces are refused, and calls between the
/// registered users are routed by lookup("location").
/// </summary>
public class RegistrarAuthTests
{
    private const int Users = 10_000;

    [Fact]
    public void Ten_thousand_users_register_with_digest_and_are_called_through_lookup()
    {
        using var lab = new RegistrarLab(Users, oneTimeNonce: true);
        using var osprey = lab.Start(withAuth: true);
        int contactPort = OspreyProcess.FreePort();

        // wrong passwords first: every one is refused (401/403), none is registered
        var wrong = lab.InjectionFile("wrong.csv", Enumerable.Range(0, 200).Select(i => N(i * 50) + ";pw" + N(i * 50)));
        Assert.Equal(200, lab.RunSipp("reg-wrong-password-numbered.xml", wrong, 200, 100, OspreyProcess.FreePort()).Ok);
        Assert.Empty(lab.Dump());

        // every user registers the same contact port: the SIPp UAS started on it below answers for all of them
        var users = lab.InjectionFile("users.csv", Enumerable.Range(0, Users).Select(i => N(i) + ";pw" + N(i) + ";3600"));
        Assert.Equal(Users, lab.RunSipp("reg-user.xml", users, Users, 500, contactPort, timeout: TimeSpan.FromSeconds(150)).Ok);
        var dump = lab.Dump();
        Assert.Equal(Users, dump.Count);
        Assert.Equal("sip:u9999@127.0.0.1:" + N(contactPort), Assert.Single(dump["u9999"]));

        // a replayed nonce (one_time_nonce) gets a fresh challenge, never a 200
        var replay = lab.InjectionFile("replay.csv", Enumerable.Range(0, 50).Select(i => N(i * 7) + ";pw" + N(i * 7)));
        Assert.Equal(50, lab.RunSipp("reg-replay.xml", replay, 50, 50, OspreyProcess.FreePort()).Ok);

        // authenticated callers reach callees spread over the whole table
        var runDir = lab.RunDir("uas");
        using var uas = Sipp.Start(runDir, "-sf", Sipp.Scenario("call-uas.xml"), "-i", "127.0.0.1", "-p", N(contactPort), "-timeout", "120s");
        Thread.Sleep(500);
        var calls = lab.InjectionFile("calls.csv", Enumerable.Range(0, 300).Select(i => N(i) + ";pw" + N(i) + ";" + N((i * 7919 + 13) % Users)));
        Assert.Equal(300, lab.RunSipp("call-uac-auth.xml", calls, 300, 30, OspreyProcess.FreePort()).Ok);
        Assert.False(osprey.HasExited, osprey.Log);
    }

    [Fact]
    public void An_expired_nonce_gets_a_fresh_challenge_with_stale_true()
    {
        using var lab = new RegistrarLab(100, nonceExpire: 2, nonceCount: true);
        using var osprey = lab.Start(withAuth: true);
        var users = lab.InjectionFile("stale.csv", Enumerable.Range(0, 20).Select(i => N(i) + ";pw" + N(i)));
        Assert.Equal(20, lab.RunSipp("reg-stale.xml", users, 20, 20, OspreyProcess.FreePort(), limit: 20).Ok);
        Assert.Equal(20, lab.Dump().Count);
    }
}

using System.Globalization;

namespace Osprey.Interop.Tests.Support;

/// <summary>
/// SIPp phones around one osprey: registrations with digest authentication, refused wrong passwords, and
/// calls to registered users, whose contacts all point at one SIPp UAS (started with the first call).
/// Each run must end with every SIPp "call" successful; the counts are asserted, not assumed.
/// </summary>
internal sealed class Phones(string dir, OspreyProcess osprey, string domain) : IDisposable
{
    private readonly int _uasPort = OspreyProcess.FreePort(), _busyPort = OspreyProcess.FreePort();
    private Sipp? _uas, _busy;
    private int _run;

    private string Target => "127.0.0.1:" + P(osprey.Port);

    private static string P(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs one SIPp scenario to the end; returns its last statistics row.</summary>
    private Dictionary<string, string> Run(string scenario, string localIp, int calls, int rate, SipUsers users, int contactPort = 0)
    {
        var runDir = Path.Combine(dir, "sipp" + P(++_run));
        Directory.CreateDirectory(runDir);
        using var sipp = Sipp.Start(runDir, "-sf", Sipp.Scenario(scenario), "-inf", users.Csv, "-key", "domain", domain, "-key", "contact_port", P(contactPort > 0 ? contactPort : _uasPort),
            "-i", localIp, "-p", P(OspreyProcess.FreePort()), "-m", P(calls), "-r", P(rate), "-timeout", "60s", "-trace_stat", "-trace_err", Target);
        int rc = sipp.Wait(TimeSpan.FromSeconds(90));
        var errors = Directory.GetFiles(runDir, "*_errors.log");
        string errText = errors.Length > 0 ? File.ReadAllText(errors[0]) : "";
        if (errText.Length > 4000) errText = errText[..4000];
        var stats = Sipp.LastStats(runDir);
        Assert.True(rc == 0, $"{scenario}: sipp exit {rc}: {sipp.Errors}\n{errText}\n{Tail(osprey.Log)}");
        Assert.Equal(calls, Sipp.Count(stats, "SuccessfulCall(C)"));
        Assert.Equal(0, Sipp.Count(stats, "FailedCall(C)"));
        return stats;
    }

    private static string Tail(string log) => log.Length > 6000 ? log[^6000..] : log;

    /// <summary>Every user registers: challenged with 401, accepted with 200. With <paramref name="busy"/>
    /// their contact is a SIPp UAS that answers every call 486 Busy Here.</summary>
    public void RegisterAll(SipUsers users, bool busy = false) => Run("reg-digest.xml", "127.0.0.1", users.Count, 50, users, busy ? _busyPort : 0);

    /// <summary>Authenticated calls to users registered with <c>busy</c>: 486 comes back to the caller.</summary>
    public void BusyCalls(SipUsers users, int count)
    {
        if (_busy is null)
        {
            var busyDir = Path.Combine(dir, "busy");
            Directory.CreateDirectory(busyDir);
            _busy = Sipp.Start(busyDir, "-sf", Sipp.Scenario("busy-uas.xml"), "-i", "127.0.0.1", "-p", P(_busyPort), "-timeout", "300s");
            Thread.Sleep(300);
        }
        Run("call-digest-busy-uac.xml", "127.0.0.1", count, 20, users);
    }

    /// <summary>Users answer the challenge with a wrong password: 401 or 403, never 200.</summary>
    public void WrongPasswordsAreRefused(SipUsers users, int count) => Run("reg-wrong-password.xml", "127.0.0.1", count, 50, users);

    /// <summary>User i calls user i+1: 407 first, then through with credentials, to the callee's contact.</summary>
    public void AuthenticatedCalls(SipUsers users, int count)
    {
        StartUas();
        Run("call-digest-uac.xml", "127.0.0.1", count, 20, users);
    }

    /// <summary>Calls from 127.0.0.2, an address in the permissions address table, without credentials.</summary>
    public void TrustedAddressCalls(SipUsers users, int count)
    {
        StartUas();
        Run("call-ipauth-uac.xml", "127.0.0.2", count, 20, users);
    }

    private void StartUas()
    {
        if (_uas is not null) return;
        var uasDir = Path.Combine(dir, "uas");
        Directory.CreateDirectory(uasDir);
        _uas = Sipp.Start(uasDir, "-sf", Sipp.Scenario("call-uas.xml"), "-i", "127.0.0.1", "-p", P(_uasPort), "-timeout", "300s");
        Thread.Sleep(300);
    }

    public void Dispose()
    {
        _uas?.Dispose();
        _busy?.Dispose();
    }
}

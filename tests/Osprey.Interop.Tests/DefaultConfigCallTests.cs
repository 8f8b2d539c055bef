using System.Globalization;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>Debian's kamailio.cfg (Kamailio 5.6.3's /etc/kamailio/kamailio.cfg, copied into TestData
/// unmodified), with real SIPp peers. The embedded default configuration: EmbeddedDefaultConfigTests.</summary>
public class DefaultConfigCallTests
{
    private static string DefaultConfig => Path.Combine(AppContext.BaseDirectory, "TestData", "debian-kamailio.cfg");

    [Fact]
    public void Registered_callee_is_reached_through_the_stateful_proxy()
    {
        using var osprey = OspreyProcess.Start("-f", DefaultConfig);
        RegisterAndCall(osprey);
    }

    private static void RegisterAndCall(OspreyProcess osprey)
    {
        var dir = Directory.CreateTempSubdirectory("osprey-call-").FullName;
        try
        {
            string target = "127.0.0.1:" + osprey.Port.ToString(CultureInfo.InvariantCulture);
            int uasPort = OspreyProcess.FreePort(), regPort = OspreyProcess.FreePort(), uacPort = OspreyProcess.FreePort();
            string P(int p) => p.ToString(CultureInfo.InvariantCulture);

            // the callee registers through the config's REGISTRAR route (usrloc in memory)
            using (var reg = Sipp.Start(dir, "-sf", Sipp.Scenario("register-callee.xml"), "-s", "callee", "-key", "contact_port", P(uasPort),
                       "-i", "127.0.0.1", "-p", P(regPort), "-m", "1", "-timeout", "15s", target))
            {
                Assert.True(reg.Wait(TimeSpan.FromSeconds(30)) == 0, "REGISTER failed: " + reg.Errors + osprey.Log);
            }
            using var uas = Sipp.Start(dir, "-sf", Sipp.Scenario("call-uas.xml"), "-i", "127.0.0.1", "-p", P(uasPort), "-timeout", "60s");
            Thread.Sleep(500);
            using var uac = Sipp.Start(dir, "-sf", Sipp.Scenario("call-uac.xml"), "-s", "callee", "-i", "127.0.0.1", "-p", P(uacPort),
                "-m", "200", "-r", "50", "-timeout", "45s", "-trace_stat", "-trace_err", target);
            uac.AssertAllCallsSucceeded(200, TimeSpan.FromSeconds(60), osprey.Log);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

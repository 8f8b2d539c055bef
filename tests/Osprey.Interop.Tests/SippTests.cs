using System.Diagnostics;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>Runs the real SIPp against osprey.</summary>
public class SippTests
{
    [Fact]
    public void Sipp_options_flood_is_answered_with_no_failed_calls()
    {
        using var osprey = OspreyProcess.Start();
        var scenario = Path.Combine(AppContext.BaseDirectory, "Scenarios", "options.xml");
        var dir = Directory.CreateTempSubdirectory("osprey-sipp-");
        try
        {
            int localPort = OspreyProcess.FreePort();
            var psi = new ProcessStartInfo("sipp")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = dir.FullName,
            };
            foreach (var a in new[]
                     {
                         "-sf", scenario, "-i", "127.0.0.1", "-p", localPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "-m", "2000", "-r", "500", "-timeout", "30s", "-trace_stat", "-trace_err", "-nostdin",
                         $"127.0.0.1:{osprey.Port}",
                     })
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(60000), "sipp did not finish");
            var errors = Directory.GetFiles(dir.FullName, "*_errors.log");
            string errText = errors.Length > 0 ? File.ReadAllText(errors[0]) : "";
            Assert.True(p.ExitCode == 0, $"sipp exit {p.ExitCode}: {se.Result}\n{errText}\n{osprey.Log}");
            var stat = Directory.GetFiles(dir.FullName, "*_.csv");
            Assert.NotEmpty(stat);
            var lines = File.ReadAllLines(stat[0]);
            var head = lines[0].Split(';');
            var last = lines[^1].Split(';');
            int ok = int.Parse(last[Array.IndexOf(head, "SuccessfulCall(C)")], System.Globalization.CultureInfo.InvariantCulture);
            int failed = int.Parse(last[Array.IndexOf(head, "FailedCall(C)")], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(2000, ok);
            Assert.Equal(0, failed);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}

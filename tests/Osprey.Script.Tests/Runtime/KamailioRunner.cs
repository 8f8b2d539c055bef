using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Script.Tests.Runtime;

/// <summary>
/// Runs the installed Kamailio on a config listening on 127.0.0.1, sends it one SIP message over UDP and
/// returns what the script logged (xlog lines), so a test can compare Osprey's behaviour with Kamailio's.
/// A missing Kamailio fails the test (./test.sh installs it).
/// </summary>
internal static class KamailioRunner
{
    public const string Binary = "/usr/sbin/kamailio";

    /// <summary>Config text with {PORT} for the listen port; the script must xlog a line containing "DONE" last.</summary>
    public static string[] Run(string configTemplate, Func<int, string> message)
    {
        Assert.True(File.Exists(Binary), Binary + " is missing: install the Debian kamailio package (./test.sh does)");
        var dir = Directory.CreateTempSubdirectory("osprey-kamrun-").FullName;
        try
        {
            for (int attempt = 0; attempt < 3; attempt++)
            {
                int port = FreeUdpPort();
                var cfg = Path.Combine(dir, "k.cfg");
                File.WriteAllText(cfg, configTemplate.Replace("{PORT}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
                var psi = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = dir };
                foreach (var a in new[] { "-f", cfg, "-E", "-m", "64", "-M", "8", "-Y", dir, "-P", Path.Combine(dir, "k.pid") }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                var err = new StringBuilder();
                var done = new ManualResetEventSlim();
                p.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data is null) return;
                    lock (err) err.AppendLine(e.Data);
                    if (e.Data.Contains("DONE", StringComparison.Ordinal)) done.Set();
                };
                p.BeginErrorReadLine();
                p.BeginOutputReadLine();
                try
                {
                    using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
                    var bytes = Encoding.UTF8.GetBytes(message(port));
                    var deadline = DateTime.UtcNow.AddSeconds(15);
                    while (!done.IsSet && DateTime.UtcNow < deadline && !p.HasExited)
                    {
                        udp.Send(bytes, bytes.Length, new IPEndPoint(IPAddress.Loopback, port));
                        done.Wait(TimeSpan.FromMilliseconds(500));
                    }
                    if (done.IsSet)
                    {
                        Thread.Sleep(100);
                        string text;
                        lock (err) text = err.ToString();
                        // The message may have been sent more than once before Kamailio was up: keep the first run.
                        var lines = ScriptHarness.Lines(text);
                        int end = Array.FindIndex(lines, l => l.Contains("DONE", StringComparison.Ordinal));
                        return lines[..(end + 1)];
                    }
                    if (p.HasExited) p.WaitForExit();
                    string log;
                    lock (err) log = err.ToString();
                    if (!log.Contains("bind", StringComparison.OrdinalIgnoreCase)) Assert.Fail("kamailio produced no DONE line:\n" + log);
                }
                finally
                {
                    if (!p.HasExited) p.Kill(entireProcessTree: true);
                    p.WaitForExit(5000);
                }
            }
            Assert.Fail("kamailio could not bind a UDP port on 127.0.0.1");
            return [];
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static int FreeUdpPort() => Osprey.Testing.TestPorts.Next();
}

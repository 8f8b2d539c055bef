using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Osprey.Interop.Tests.Support;

/// <summary>The installed Kamailio (Debian package) on 127.0.0.1 with a given config, in the foreground
/// (-DD -E), its runtime files in a private directory; stopped with SIGTERM by PID so it stops its children.</summary>
internal sealed class KamailioProcess : IDisposable
{
    public const string Binary = "/usr/sbin/kamailio";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private KamailioProcess(Process process, int port, string dir)
    {
        _process = process;
        Port = port;
        Dir = dir;
    }

    public int Port { get; }
    public string Dir { get; }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static KamailioProcess Start(string config)
    {
        Assert.True(File.Exists(Binary), Binary + " is missing: install the Debian kamailio package (./test.sh does)");
        string dir = Directory.CreateTempSubdirectory("osprey-kamproc-").FullName;
        int port = OspreyProcess.FreePort();
        string P(int p) => p.ToString(CultureInfo.InvariantCulture);
        var psi = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Path.GetDirectoryName(config)! };
        foreach (var a in new[] { "-DD", "-E", "-f", config, "-l", "udp:127.0.0.1:" + P(port), "-l", "tcp:127.0.0.1:" + P(port),
                     "-n", "2", "-m", "64", "-M", "8", "-P", Path.Combine(dir, "k.pid"), "-Y", dir, "-w", dir })
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        var k = new KamailioProcess(p, port, dir);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (k._log) k._log.AppendLine(e.Data); };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (k._log) k._log.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        try
        {
            using var ua = new TestUa();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            for (int n = 0; ; n++)
            {
                if (p.HasExited) throw new InvalidOperationException("kamailio exited: " + k.Log);
                if (DateTime.UtcNow > deadline) throw new TimeoutException("kamailio did not answer OPTIONS: " + k.Log);
                ua.Send(port, TestUa.Options($"sip:127.0.0.1:{P(port)}", "kready" + P(n), ua.Port));
                if (ua.Receive(TimeSpan.FromMilliseconds(300)) is not null) break;
            }
        }
        catch
        {
            k.Dispose();
            throw;
        }
        return k;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    kill!.WaitForExit(5000);
                }
                if (!_process.WaitForExit(10000)) _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

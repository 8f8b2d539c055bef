using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Interop.Tests.Support;

/// <summary>Runs the real osprey executable on 127.0.0.1 for a test and stops it by PID.</summary>
internal sealed class OspreyProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private OspreyProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Starts osprey listening on UDP and TCP 127.0.0.1:port and waits until it answers OPTIONS.</summary>
    public static OspreyProcess Start(params string[] extraArgs) => StartOn(FreePort(), extraArgs);

    /// <summary>Starts osprey on a given port (a restart must come back where its contacts point).</summary>
    public static OspreyProcess StartOn(int port, params string[] extraArgs)
    {
        var args = new List<string> { DllPath(), "-l", $"udp:127.0.0.1:{port}", "-l", $"tcp:127.0.0.1:{port}" };
        args.AddRange(extraArgs);
        if (!extraArgs.Contains("-f") && !extraArgs.Contains("--default-config")) args.Add("--builtin");
        args.Remove("--default-config");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start osprey");
        var op = new OspreyProcess(p, port);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (op._log) op._log.AppendLine(e.Data); };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (op._log) op._log.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        op.WaitReady(TimeSpan.FromSeconds(20));
        return op;
    }

    public static string DllPath() => Path.Combine(AppContext.BaseDirectory, "osprey.dll");

    /// <summary>Runs osprey with arguments to completion (for -c, --cfg-print, -h).</summary>
    public static (int Code, string Out, string Err) RunToExit(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(DllPath());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30000))
        {
            p.Kill(true);
            throw new TimeoutException("osprey did not exit");
        }
        return (p.ExitCode, so.Result, se.Result);
    }

    private void WaitReady(TimeSpan timeout)
    {
        using var ua = new TestUa();
        var deadline = DateTime.UtcNow + timeout;
        int n = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException("osprey exited: " + Log);
            ua.Send(Port, TestUa.Options($"sip:127.0.0.1:{Port}", "ready" + n++));
            var r = ua.Receive(TimeSpan.FromMilliseconds(300));
            if (r is not null) return;
        }
        throw new TimeoutException("osprey did not answer OPTIONS: " + Log);
    }

    /// <summary>Sends SIGTERM (a clean shutdown: modules flush what they hold) and waits for the exit.</summary>
    public bool Terminate(TimeSpan timeout)
    {
        if (_process.HasExited) return true;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit(10000);
            if (kill.ExitCode != 0) return false;
        }
        return _process.WaitForExit(timeout);
    }

    /// <summary>SIGKILL: the process gets no chance to write anything more.</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10000);
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1.</summary>
    public static int FreePort() => Osprey.Testing.TestPorts.Next();

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

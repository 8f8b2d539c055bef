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
    public static OspreyProcess Start(params string[] extraArgs) => Start(stderrLog: true, extraArgs);

    /// <summary>Starts osprey on a given port (a restart must come back where its contacts point).</summary>
    public static OspreyProcess StartOn(int port, params string[] extraArgs) => Start(stderrLog: true, extraArgs, port: port);

    /// <summary>As <see cref="Start(string[])"/>; with <paramref name="stderrLog"/> false no -E is given, so
    /// the log goes where the configuration says (syslog by default).</summary>
    public static OspreyProcess Start(bool stderrLog, string[] extraArgs, IDictionary<string, string>? environment = null, int port = 0)
    {
        if (port == 0) port = FreePort();
        var args = new List<string> { DllPath(), "-l", $"udp:127.0.0.1:{port}", "-l", $"tcp:127.0.0.1:{port}" };
        if (stderrLog) args.Insert(1, "-E");
        args.AddRange(extraArgs);
        if (!extraArgs.Contains("-f") && !extraArgs.Contains("--default-config")) args.Add("--builtin");
        args.Remove("--default-config");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
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
    public static (int Code, string Out, string Err) RunToExit(params string[] args) =>
        ToolRun.Run("dotnet", [DllPath(), .. args], TimeSpan.FromSeconds(30));

    /// <summary>The whole log of an exited process: the asynchronous reads of its output may still be
    /// delivering its last lines when it is seen to have exited.</summary>
    private string LogAfterExit()
    {
        _process.WaitForExit(); // with redirected output: returns once both streams reached their end
        return Log;
    }

    private void WaitReady(TimeSpan timeout)
    {
        using var ua = new TestUa();
        var deadline = DateTime.UtcNow + timeout;
        int n = 0;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException("osprey exited: " + LogAfterExit());
            ua.Send(Port, TestUa.Options($"sip:127.0.0.1:{Port}", "ready" + n++));
            var r = ua.Receive(TimeSpan.FromMilliseconds(300));
            if (r is not null) return;
        }
        throw new TimeoutException("osprey did not answer OPTIONS: " + Log);
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

    /// <summary>
    /// Waits until the control plane is up: SIP is answered before the control transports finish opening,
    /// so a test using them waits for <paramref name="ready"/> (a socket file exists, a port accepts).
    /// </summary>
    public void WaitFor(Func<bool> ready, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!ready())
        {
            if (_process.HasExited) throw new InvalidOperationException("osprey exited: " + LogAfterExit());
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what + " did not come up: " + Log);
            Thread.Sleep(50);
        }
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool Accepts(int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as systemd stops it; waits for the exit and returns its code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            kill!.WaitForExit(5000);
        if (!_process.WaitForExit(timeout)) throw new TimeoutException("osprey did not stop on SIGTERM: " + Log);
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

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

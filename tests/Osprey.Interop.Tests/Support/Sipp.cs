using System.Diagnostics;
using System.Globalization;

namespace Osprey.Interop.Tests.Support;

/// <summary>Runs SIPp (Debian's sip-tester) on 127.0.0.1, bounded in time, and reads its statistics.</summary>
internal sealed class Sipp : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private Sipp(Process p, string dir)
    {
        _process = p;
        Directory = dir;
        _stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
    }

    public string Directory { get; }

    public static string Scenario(string name) => Path.Combine(AppContext.BaseDirectory, "Scenarios", name);

    public static Sipp Start(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("sipp") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("-nostdin");
        return new Sipp(Process.Start(psi)!, dir);
    }

    /// <summary>Waits for SIPp to finish; returns its exit code (-1 when it had to be killed).</summary>
    public int Wait(TimeSpan timeout)
    {
        if (_process.WaitForExit(timeout)) return _process.ExitCode;
        _process.Kill(true);
        return -1;
    }

    public string Errors => _stderr.IsCompleted ? _stderr.Result : "";

    /// <summary>Waits for a caller started with -trace_stat in its own directory and asserts that it
    /// placed <paramref name="calls"/> calls and every one succeeded; <paramref name="context"/> (a
    /// server's log) goes into the failure message.</summary>
    public Dictionary<string, string> AssertAllCallsSucceeded(int calls, TimeSpan timeout, string context = "")
    {
        int rc = Wait(timeout);
        var stats = LastStats(Directory);
        Assert.True(rc == 0, $"sipp exit {rc}: {Errors}\n{context}");
        Assert.Equal(calls, Count(stats, "SuccessfulCall(C)"));
        Assert.Equal(0, Count(stats, "FailedCall(C)"));
        return stats;
    }

    /// <summary>The last row of SIPp's -trace_stat file: counter name → value.</summary>
    public static Dictionary<string, string> LastStats(string dir)
    {
        var file = System.IO.Directory.GetFiles(dir, "*_.csv").Single();
        var lines = File.ReadAllLines(file);
        var head = lines[0].Split(';');
        var last = lines[^1].Split(';');
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < Math.Min(head.Length, last.Length); i++) d[head[i]] = last[i];
        return d;
    }

    public static int Count(Dictionary<string, string> stats, string name) => int.Parse(stats[name], CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

using System.Diagnostics;

namespace Osprey.Interop.Tests.Support;

/// <summary>Runs a command line tool to completion, bounded in time, and collects what it printed.</summary>
internal static class ToolRun
{
    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(true);
            throw new TimeoutException(file + " did not exit");
        }
        return (p.ExitCode, so.Result, se.Result);
    }
}

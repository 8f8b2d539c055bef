using System.Diagnostics;

namespace Osprey.Testing;

/// <summary>Runs an external program with a deadline; kills it (by its own PID) when it overruns.</summary>
internal static class ExternalTool
{
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var kv in env)
                psi.Environment[kv.Key] = kv.Value;
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            throw new TimeoutException(file + " " + string.Join(' ', args) + " did not finish within " + timeout + "; it wrote: " + await stdout + await stderr);
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Path of a required tool; fails the test (never skips) when it is missing.</summary>
    public static string Require(string name, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/usr/bin", "/sbin"]))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p))
                return p;
        }
        Assert.Fail(name + " is not installed; ./test.sh installs it (apt-get install " + package + ")");
        return "";
    }
}

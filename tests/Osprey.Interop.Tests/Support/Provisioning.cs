using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Osprey.Interop.Tests.Support;

/// <summary>The end-to-end tests' database: a SQLite file, or "kamailio_interop" on the test servers.</summary>
internal static class InteropDatabases
{
    public static string Url(string backend, string dir) => Osprey.Testing.TestDatabaseUrls.For(backend, dir, "kamailio_interop");
}

/// <summary>Runs the real <c>ospreyctl</c> (built next to the tests) to completion.</summary>
internal static class Ospreyctl
{
    public static string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ospreyctl.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60000))
        {
            p.Kill(true);
            Assert.Fail("ospreyctl " + string.Join(' ', args) + " did not finish");
        }
        Assert.True(p.ExitCode == 0, "ospreyctl " + string.Join(' ', args) + " exited " + p.ExitCode + ": " + se.Result + so.Result);
        return so.Result;
    }
}

/// <summary>SIP users with passwords, as an <c>ospreyctl add --from</c> file and a SIPp injection file
/// whose lines are <c>user;password;callee</c> (each user calls the next one).</summary>
internal sealed class SipUsers
{
    /// <summary>Users u1..uN with passwords pw1-x..pwN-x.</summary>
    public SipUsers(string dir, int count, string domain)
        : this(dir, domain, "users", Enumerable.Range(1, count).Select(i => ("u" + i.ToString(CultureInfo.InvariantCulture), "pw" + i.ToString(CultureInfo.InvariantCulture) + "-x")).ToArray())
    {
    }

    /// <param name="name">Names the files (several sets in one directory).</param>
    public SipUsers(string dir, string domain, string name, params (string User, string Password)[] users)
    {
        Count = users.Length;
        var add = new StringBuilder();
        var csv = new StringBuilder("SEQUENTIAL\n");
        for (int i = 0; i < users.Length; i++)
        {
            var (u, pw) = users[i];
            add.Append(u).Append('@').Append(domain).Append(' ').Append(pw).Append('\n');
            csv.Append(u).Append(';').Append(pw).Append(';').Append(users[(i + 1) % users.Length].User).Append('\n');
        }
        AddFile = Path.Combine(dir, name + ".txt");
        Csv = Path.Combine(dir, name + ".csv");
        File.WriteAllText(AddFile, add.ToString());
        File.WriteAllText(Csv, csv.ToString());
    }

    public int Count { get; }
    public string AddFile { get; }
    public string Csv { get; }
}

/// <summary>SIGTERM, the clean stop a service manager sends.</summary>
internal static class Signals
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public static void Terminate(int pid) => Assert.Equal(0, kill(pid, 15));
}

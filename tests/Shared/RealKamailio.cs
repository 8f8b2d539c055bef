using System.Diagnostics;

namespace Osprey.Testing;

/// <summary>The installed Kamailio, run in the foreground: by default a minimal config (ctl on a private unix
/// socket, the jsonrpcs FIFO), or the configuration a test writes for the private directory and port.</summary>
internal sealed class RealKamailio : IAsyncDisposable
{
    private readonly Process _process;

    private RealKamailio(Process process, string dir)
    {
        _process = process;
        Dir = dir;
    }

    public string Dir { get; }
    public string CtlSocket => Path.Combine(Dir, "ctl.sock");
    public string Fifo => Path.Combine(Dir, "rpc.fifo");

    public int Port { get; private init; }

    /// <summary>Where Debian installs Kamailio's modules (for <c>mpath</c>).</summary>
    public static string ModulePath => Directory.Exists("/usr/lib/x86_64-linux-gnu/kamailio/modules") ? "/usr/lib/x86_64-linux-gnu/kamailio/modules/" : "/usr/lib/kamailio/modules/";

    /// <summary>
    /// A configuration both Kamailio and Osprey run: UDP on 127.0.0.1:<paramref name="port"/>, kex, sl, ctl
    /// and jsonrpcs (ctl.sock and rpc.fifo in <paramref name="dir"/>) plus <paramref name="modules"/>, and
    /// <paramref name="route"/> as request_route's body.
    /// </summary>
    public static string Config(string dir, int port, IEnumerable<string> modules, string route) => $$"""
        #!KAMAILIO
        debug=1
        log_stderror=yes
        children=1
        disable_tcp=yes
        listen=udp:127.0.0.1:{{port}}
        mpath="{{ModulePath}}"
        loadmodule "kex.so"
        loadmodule "sl.so"
        loadmodule "ctl.so"
        loadmodule "jsonrpcs.so"
        {{string.Concat(modules.Select(m => "loadmodule \"" + m + ".so\"\n"))}}
        modparam("ctl", "binrpc", "unix:{{dir}}/ctl.sock")
        modparam("jsonrpcs", "transport", 2)
        modparam("jsonrpcs", "fifo_name", "{{dir}}/rpc.fifo")
        request_route {
        {{route}}
        }
        """;

    /// <summary>Starts Kamailio; <paramref name="config"/> gets the private directory and the UDP port and
    /// returns the configuration (see <see cref="Config"/>); by default one that answers every request 200.</summary>
    public static async Task<RealKamailio> StartAsync(Func<string, int, string>? config = null)
    {
        string kamailio = ExternalTool.Require("kamailio", "kamailio");
        string dir = Directory.CreateTempSubdirectory("osprey-kam-").FullName;
        int port = TestPorts.Next();
        File.WriteAllText(Path.Combine(dir, "k.cfg"), config is not null ? config(dir, port) : Config(dir, port, [], "sl_send_reply(\"200\", \"OK\"); exit;"));
        var psi = new ProcessStartInfo(kamailio) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-DD", "-E", "-f", Path.Combine(dir, "k.cfg"), "-P", Path.Combine(dir, "k.pid"), "-Y", dir, "-w", dir })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, _) => { };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        var k = new RealKamailio(p, dir) { Port = port };
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!File.Exists(k.CtlSocket) || !File.Exists(k.Fifo))
        {
            if (p.HasExited || DateTime.UtcNow > until)
            {
                await k.DisposeAsync();
                Assert.Fail("kamailio did not start (exit " + (p.HasExited ? p.ExitCode : -1) + ")");
            }
            await Task.Delay(100);
        }
        await Task.Delay(300);
        return k;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM lets Kamailio's main process stop its children; SIGKILL would orphan them.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill!.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
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

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Rpc;
using Osprey.Modules.Xhttp;
using Osprey.Transport;

namespace Osprey.Ctl.Tests;

/// <summary>A running server (SIP on UDP 127.0.0.1, control over HTTP and a datagram socket) with
/// stand-ins for the tm and usrloc commands, whose shapes follow Kamailio's.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    public required string Dir { get; init; }
    public required TransportHost Transport { get; init; }
    public required ControlPlane Plane { get; init; }
    public required List<string> Removed { get; init; }
    public string Url => "http://" + Plane.HttpEndPoint + "/RPC";
    public string Dgram => Path.Combine(Dir, "rpc.sock");

    public static async Task<TestServer> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("ospreyctl-").FullName;
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var options = new TransportOptions { UdpReceiveLoops = 1 };
        options.Listen.Add(new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 0)));
        var transport = new TransportHost(options);
        Assert.True(transport.TryStart(server, out var error), error);
        server.AttachTransport(transport, transport.Listeners);
        var removed = new List<string>();
        var registry = new RpcRegistry();
        registry.Register("tm.stats", "transaction counters", rpc =>
        {
            using var s = rpc.Struct();
            s.Add("current", 2).Add("waiting", 1).Add("total", 10).Add("2xx", 7);
        });
        registry.Register("ul.dump", "contacts", rpc =>
        {
            using var top = rpc.Struct();
            using var domains = top.Array("Domains");
            using var d0 = domains.Struct();
            using var domain = d0.Struct("Domain");
            domain.Add("Domain", "location").Add("Size", 1024);
            using var aors = domain.Array("AoRs");
            foreach (var user in new[] { "alice", "bob" })
            {
                using var a = aors.Struct();
                using var info = a.Struct("Info");
                info.Add("AoR", user);
                using var cs = info.Array("Contacts");
                using var c0 = cs.Struct();
                using var c = c0.Struct("Contact");
                c.Add("Address", "sip:" + user + "@192.0.2.1:5060").Add("Expires", 3600).Add("Q", -1).Add("User-Agent", "phone/1");
            }
        });
        registry.Register("ul.lookup", "one AOR", rpc =>
        {
            string aor = rpc.GetString(1);
            if (aor != "alice")
            {
                rpc.Fault(404, "AOR not found");
                return;
            }
            using var s = rpc.Struct();
            s.Add("AoR", aor);
            using var cs = s.Array("Contacts");
            using var c0 = cs.Struct();
            using var c = c0.Struct("Contact");
            c.Add("Address", "sip:alice@192.0.2.1:5060").Add("Expires", 3599).Add("Q", -1).Add("User-Agent", "phone/1");
        });
        registry.Register("ul.rm", "remove", rpc => removed.Add(rpc.GetString(0) + "/" + rpc.GetString(1)));
        var settings = new ControlSettings { HttpPort = 0, DgramSocket = Path.Combine(dir, "rpc.sock") };
        var plane = await ControlPlane.StartAsync(server, settings, registry);
        return new TestServer { Dir = dir, Transport = transport, Plane = plane, Removed = removed };
    }

    public async ValueTask DisposeAsync()
    {
        await Plane.DisposeAsync();
        await Transport.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}

public sealed class OspreyctlTests
{
    private static async Task<(int Exit, string Out, string Err)> Ctl(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int exit = await CtlApp.RunAsync(args, o, e, cts.Token);
        return (exit, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task Uptime_ps_stats_and_rpc_print_tables()
    {
        await using var s = await TestServer.StartAsync();
        var (exit, output, err) = await Ctl("uptime", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("up_since", output);
        Assert.Contains("uptime", output);

        (exit, output, err) = await Ctl("ps", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), output);
        Assert.Contains("udp receiver", output);

        (exit, output, err) = await Ctl("stats", "core", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("rcv_requests", output);
        Assert.DoesNotContain("usrloc", output);

        (exit, output, err) = await Ctl("stats", "rcv_requests_options", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("rcv_requests_options", output);
        Assert.DoesNotContain("rcv_requests_invite", output);

        (exit, output, err) = await Ctl("rpc", "system.methodHelp", "core.uptime", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("uptime", output);

        (exit, output, err) = await Ctl("tm", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("waiting", output);
    }

    [Fact]
    public async Task Json_output_is_the_result_for_scripts()
    {
        await using var s = await TestServer.StartAsync();
        var (exit, output, err) = await Ctl("--json", "rpc", "core.shmmem", "s:m", "--url", s.Url);
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("real_used").GetInt64() > 0);
        (exit, output, err) = await Ctl("stats", "--json", "--url", s.Url);
        Assert.True(exit == 0, err);
        using var stats = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Array, stats.RootElement.ValueKind);
    }

    [Fact]
    public async Task Ul_show_and_rm()
    {
        await using var s = await TestServer.StartAsync();
        var (exit, output, err) = await Ctl("ul", "show", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("sip:alice@192.0.2.1:5060", output);
        Assert.Contains("sip:bob@192.0.2.1:5060", output);
        (exit, output, err) = await Ctl("ul", "show", "alice", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("3599", output);
        (exit, _, err) = await Ctl("ul", "show", "carol", "--url", s.Url);
        Assert.Equal(1, exit);
        Assert.Contains("404", err);
        (exit, _, err) = await Ctl("ul", "rm", "bob", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Equal(["location/bob"], s.Removed);
    }

    [Fact]
    public async Task Ul_show_reads_the_real_usrloc_module()
    {
        // Not a stand-in: the usrloc module's own ul.dump and ul.lookup answer.
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var ul = new Osprey.Modules.Usrloc.UsrlocModule { Server = server };
        Assert.Null(ul.Init());
        var registry = new RpcRegistry();
        registry.RegisterModule(ul);
        await using var plane = await ControlPlane.StartAsync(server, new ControlSettings { HttpPort = 0 }, registry);
        string url = "http://" + plane.HttpEndPoint + "/RPC";
        try
        {
            var (exit, _, err) = await Ctl("rpc", "ul.add", "location", "carol", "sip:carol@192.0.2.9:5070", "600", "0.5", "--url", url);
            Assert.True(exit == 0, err);
            var (e1, all, err1) = await Ctl("ul", "show", "--url", url);
            Assert.True(e1 == 0, err1);
            Assert.Contains("carol", all);
            Assert.Contains("sip:carol@192.0.2.9:5070", all);
            Assert.Matches(@"\b(600|59\d)\b", all);
            var (e2, one, err2) = await Ctl("ul", "show", "carol", "--url", url);
            Assert.True(e2 == 0, err2);
            Assert.Contains("sip:carol@192.0.2.9:5070", one);
            Assert.Contains("0.5", one);
        }
        finally
        {
            ul.Dispose();
        }
    }

    [Fact]
    public async Task The_datagram_socket_works_as_well_as_http()
    {
        await using var s = await TestServer.StartAsync();
        var (exit, output, err) = await Ctl("version", "--socket", s.Dgram);
        Assert.True(exit == 0, err);
        Assert.StartsWith("osprey ", output.Trim());
    }

    [Fact]
    public async Task Monitor_once_prints_one_screen()
    {
        await using var s = await TestServer.StartAsync();
        var (exit, output, err) = await Ctl("monitor", "--once", "--url", s.Url);
        Assert.True(exit == 0, err);
        Assert.Contains("Osprey monitor", output);
        Assert.Contains("Transactions", output);
        Assert.Contains("current", output);
        Assert.Contains("not available", output); // sl is not loaded here
        Assert.Contains("rcv_requests", output);
    }

    [Fact]
    public async Task Monitor_refreshes_until_cancelled()
    {
        await using var s = await TestServer.StartAsync();
        var o = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        int exit = await CtlApp.RunAsync(["monitor", "--interval", "0.2", "--url", s.Url], o, new StringWriter(), cts.Token);
        Assert.Equal(0, exit);
        Assert.Contains("cycle 2", o.ToString());
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_error_not_a_crash()
    {
        // A port nothing listens on: bind one, note it, close it.
        int port;
        using (var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        var (exit, _, err) = await Ctl("uptime", "--url", "http://127.0.0.1:" + port + "/RPC");
        Assert.Equal(CtlApp.ExitUnreachable, exit);
        Assert.Contains("cannot reach the server", err);
        Assert.Contains("is osprey running?", err);
        (exit, _, err) = await Ctl("uptime", "--socket", "/nonexistent/osprey.sock");
        Assert.Equal(CtlApp.ExitUnreachable, exit);
        Assert.Contains("cannot reach the server", err);
    }

    [Fact]
    public async Task The_executable_runs_as_a_process()
    {
        await using var s = await TestServer.StartAsync();
        string dll = Path.Combine(AppContext.BaseDirectory, "ospreyctl.dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--json", "uptime", "--url", s.Url })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        Assert.True(p.ExitCode == 0, await stderr);
        using var doc = JsonDocument.Parse(await stdout);
        Assert.True(doc.RootElement.GetProperty("uptime").GetInt64() >= 0);
    }
}

using System.Net;
using System.Reflection;
using System.Text;
using Osprey.Core;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Rpc;
using Osprey.Modules.XhttpProm;

namespace Osprey.Modules.Tests.Rpc;

/// <summary>
/// docs/rpc.md and docs/metrics.md are generated from the registries. The tests fail when a core or
/// control-plane command or statistic is missing from them; regenerate with
/// <c>OSPREY_UPDATE_DOCS=1 dotnet test tests/Osprey.Modules.Tests --filter GeneratedDocs</c>.
/// </summary>
public sealed class GeneratedDocsTests
{
    private static readonly string[] OwnModules = ["ctl", "jsonrpcs", "xhttp", "xhttp_prom", "statistics", "corex"];
    private static readonly string[] OwnMetricPrefixes = ["osprey_core_", "osprey_shmem_", "osprey_process_", "osprey_dotnet_", "osprey_transport_"];

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Osprey.slnx")))
            d = d.Parent;
        Assert.NotNull(d);
        return d.FullName;
    }

    private static async Task<(RpcRegistry Registry, SipServer Server)> FullRegistry()
    {
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var registry = new RpcRegistry();
        CoreRpcCommands.Register(registry, server);
        foreach (var t in BuiltinModules.Assembly.GetTypes().Where(t => t.GetCustomAttribute<ModuleAttribute>() is not null && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            if (t.GetConstructor(Type.EmptyTypes) is null)
                continue;
            var module = Activator.CreateInstance(t)!;
            if (module is ModuleBase mb)
                mb.Server = server;
            registry.RegisterModule(module);
        }
        // The control plane adds its transports' own commands (ctl.*, jsonrpc.echo).
        string dir = Directory.CreateTempSubdirectory("osprey-docs-").FullName;
        var settings = new Osprey.Modules.Xhttp.ControlSettings();
        settings.CtlSockets.Add("unix:" + Path.Combine(dir, "ctl.sock"));
        await using (await Osprey.Modules.Xhttp.ControlPlane.StartAsync(server, settings, registry))
        {
        }
        Directory.Delete(dir, recursive: true);
        return (registry, server);
    }

    private static void Check(string file, string generated, IEnumerable<string> required)
    {
        string path = Path.Combine(RepoRoot(), "docs", file);
        if (Environment.GetEnvironmentVariable("OSPREY_UPDATE_DOCS") == "1")
            File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), path + " is missing; regenerate it (see GeneratedDocsTests)");
        string text = File.ReadAllText(path);
        foreach (var r in required)
            Assert.True(text.Contains(r, StringComparison.Ordinal), $"docs/{file} does not mention {r}; regenerate it with OSPREY_UPDATE_DOCS=1 dotnet test tests/Osprey.Modules.Tests --filter GeneratedDocs");
    }

    [Fact]
    public async Task Rpc_docs_list_every_core_and_control_plane_command()
    {
        var (registry, _) = await FullRegistry();
        var sb = new StringBuilder();
        sb.Append("""
            # RPC commands

            Osprey serves Kamailio's RPC commands, by Kamailio's names, on every control transport:

            - **binrpc** on the `ctl` sockets, so Debian's stock `kamcmd -s unix:/path core.uptime` works
              unchanged (`modparam("ctl", "binrpc", "unix:/run/kamailio/kamailio_ctl")`; also `tcp:host:port`,
              `udp:host:port`). Unix sockets are created with mode 0600.
            - **JSON-RPC 2.0 over HTTP**: `POST /RPC` on the control listener, 127.0.0.1 only by default
              (`modparam("xhttp", "port", 5071)`); bodies over 1 MB are refused with 413 before they are read.
            - **JSON-RPC over the FIFO** that `kamctl` uses (`modparam("jsonrpcs", "fifo_name", ...)`): the request
              names its reply FIFO (`"reply_name"`), which is looked up in `fifo_reply_dir` (`/tmp/`).
            - **JSON-RPC over a Unix datagram socket** (`modparam("jsonrpcs", "dgram_socket", ...)`).
            - `ospreyctl` (HTTP or the datagram socket).

            Several values at the top level of a result come back as a JSON array (binrpc: several values, as
            kamcmd prints them). Errors: -32700 parse error, -32600 invalid request, -32601 method not found,
            -32602 invalid params, -32603 internal error; commands' own faults keep Kamailio's codes (400, 404, 500).
            Over binrpc, JSON-RPC's codes are shown as 400 (bad input) and 500 (anything else), as kamcmd users
            know them.

            For module authors, the handler convention is on `IRpcContext` (src/Osprey.Core/Rpc/IRpcContext.cs):
            `[Rpc("tm.stats", "help")] public void TmStats(IRpcContext rpc)` writes its result with
            `rpc.Add(...)`, `rpc.Struct()`, `rpc.Array()` as it goes (results stream; nothing is materialised), or a
            simple signature `string Method(string a, int b = 0)` returns its result.

            ## Starting the control plane

            ```csharp
            var registry = new RpcRegistry();
            foreach (var module in loadedModules) registry.RegisterModule(module);   // their [Rpc] methods
            var settings = ControlSettings.FromModules(loadedModules);              // jsonrpcs, ctl, xhttp, xhttp_prom modparams
            settings.XhttpRoute = ...;   // optional: run event_route[xhttp:request] (see XhttpExchange)
            await using var control = await ControlPlane.StartAsync(server, settings, registry);
            ```

            `StartAsync` registers the core commands, opens every configured transport and throws
            `InvalidOperationException` with a message naming the socket when one cannot be opened (nothing
            stays open then). Disposing it closes them all and removes the socket files.

            With `event_route[xhttp:request]` in the script, every HTTP request goes through it, as in Kamailio:
            `jsonrpc_dispatch()` answers JSON-RPC, `prom_dispatch()` the metrics, `xhttp_reply(code, reason,
            ctype, body)` anything else, `$hu` is the URL. Without it, `/RPC` and `/metrics` are served directly.

            ## ospreyctl

            `ospreyctl [--url http://127.0.0.1:5071/RPC | --socket /run/kamailio/kamailio_rpc.sock] [--json] COMMAND`:
            `rpc METHOD [PARAMS...]` (`s:text` forces a string, `i:42` an integer, as kamctl), `stats [GROUP|NAME]`,
            `uptime`, `version`, `ps`, `tm`, `ul show [AOR] [--brief]`, `ul rm AOR [CONTACT]`,
            `monitor [--once] [--interval S]`. Tables by default, the JSON result with `--json`. Exit codes: 0 done,
            1 the server answered with an error, 2 the server could not be reached.

            ## Commands

            This list is generated from the registry (see tests/Osprey.Modules.Tests/Rpc/GeneratedDocsTests.cs).

            | command | module | parameters | description |
            | --- | --- | --- | --- |

            """);
        foreach (var c in registry.Commands)
            sb.Append("| `").Append(c.Name).Append("` | ").Append(c.Module ?? "core").Append(" | ").Append(c.Parameters.Length == 0 ? "" : "`" + c.Parameters.Replace("|", "\\|", StringComparison.Ordinal) + "`").Append(" | ").Append(c.Help.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        Check("rpc.md", sb.ToString(), registry.Commands.Where(c => c.Module is null || OwnModules.Contains(c.Module) || c.Name.StartsWith("ctl.", StringComparison.Ordinal)).Select(c => "| `" + c.Name + "` |"));
    }

    [Fact]
    public async Task Metrics_docs_list_every_core_statistic_and_process_metric()
    {
        var (_, server) = await FullRegistry();
        var sw = new StringWriter { NewLine = "\n" };
        PrometheusText.Write(sw, server, new XhttpPromModule());
        var lines = sw.ToString().Split('\n');
        var sb = new StringBuilder();
        sb.Append("""
            # Metrics

            `GET /metrics` on the control HTTP listener (127.0.0.1, `modparam("xhttp", "port", 5071)`) answers in
            Prometheus' text format. Every statistic `group:name` (what `kamcmd stats.get_statistics all` lists)
            is exported as `osprey_<group>_<name>` — the way xhttp_prom maps Kamailio's statistics to
            `kamailio_<group>_<name>`; the prefix is `modparam("xhttp_prom", "xhttp_prom_beginning", "osprey_")`
            and the selection `modparam("xhttp_prom", "xhttp_prom_stats", "all")` (groups as `core:`, or names).
            Counters are typed `counter`, everything else `gauge`. The `shmem` group reports the managed heap and
            the resident set in the shape of Kamailio's shared memory.

            Script-defined metrics: `modparam("xhttp_prom", "prom_counter", "name=calls; label=method:code")`,
            `prom_counter_inc("calls", "1", "$rm", "$rs")`; `prom_gauge_set("load", "2.5")`. Script statistics:
            `modparam("statistics", "variable", "script:active_calls")` (append `/no_reset` to survive resets),
            `update_stat("active_calls", "+1")`, `reset_stat("active_calls")`.

            This list is generated from a fresh server's registry (see tests/Osprey.Modules.Tests/Rpc/GeneratedDocsTests.cs);
            modules add their groups (tm, sl, usrloc, registrar, dialog, ...) when loaded.

            | metric | type | meaning |
            | --- | --- | --- |

            """);
        var required = new List<string>();
        string? help = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                help = line[(line.IndexOf(' ', 7) + 1)..];
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                sb.Append("| `").Append(parts[2]).Append("` | ").Append(parts[3]).Append(" | ").Append(help ?? "").Append(" |\n");
                // Other modules' groups are listed when regenerated, but only what this area owns is enforced,
                // so a colleague's new statistics do not fail this test.
                if (!parts[2].StartsWith("osprey_", StringComparison.Ordinal) || OwnMetricPrefixes.Any(p => parts[2].StartsWith(p, StringComparison.Ordinal)))
                    required.Add("`" + parts[2] + "`");
                help = null;
            }
        }
        Check("metrics.md", sb.ToString(), required);
    }
}

using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Osprey.Ctl;

/// <summary>
/// <c>ospreyctl</c>: the operator's control tool. Talks JSON-RPC to a running server over HTTP
/// (<c>--url</c>, default <c>http://127.0.0.1:5071/RPC</c>) or its Unix datagram socket (<c>--socket</c>);
/// prints tables by default and the raw JSON result with <c>--json</c>.
/// </summary>
internal static class CtlApp
{
    public const string DefaultUrl = "http://127.0.0.1:5071/RPC";

    /// <summary>Exit code when the server cannot be reached.</summary>
    public const int ExitUnreachable = 2;

    /// <summary>Exit code when the server answered with an error.</summary>
    public const int ExitRpcError = 1;

    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken ct = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = Build(output, error);
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
    }

    private sealed record Globals(Option<string?> Url, Option<string?> Socket, Option<bool> Json, Option<double> Timeout);

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var g = new Globals(
            new Option<string?>("--url") { Description = "JSON-RPC URL of the server (default " + DefaultUrl + ", or $OSPREY_RPC_URL)", Recursive = true },
            new Option<string?>("--socket", "-s") { Description = "the server's jsonrpcs Unix datagram socket (instead of HTTP)", Recursive = true },
            new Option<bool>("--json") { Description = "print the JSON result instead of tables (for scripts)", Recursive = true },
            new Option<double>("--timeout") { Description = "seconds to wait for an answer", DefaultValueFactory = _ => 10, Recursive = true });
        var root = new RootCommand("ospreyctl — control a running Osprey SIP server");
        root.Options.Add(g.Url);
        root.Options.Add(g.Socket);
        root.Options.Add(g.Json);
        root.Options.Add(g.Timeout);

        var method = new Argument<string>("method") { Description = "RPC command, e.g. core.uptime" };
        var ps = new Argument<string[]>("params") { Description = "parameters; s:text forces a string, i:42 an integer", Arity = ArgumentArity.ZeroOrMore };
        var rpc = new Command("rpc", "call any RPC command") { method, ps };
        rpc.SetAction((p, ct) => Run(p, g, output, error, async (c, con, json) =>
        {
            var args = (p.GetValue(ps) ?? []).Select(RpcClient.ParseParam).ToArray();
            var r = await c.CallAsync(p.GetValue(method)!, args, ct);
            if (json) output.WriteLine(JsonText.Pretty(r));
            else Views.Generic(con, r);
        }, ct));
        root.Subcommands.Add(rpc);

        var group = new Argument<string?>("group") { Description = "statistics group (core, tm, usrloc...) or name; all when omitted", Arity = ArgumentArity.ZeroOrOne };
        var stats = new Command("stats", "show statistics") { group };
        stats.SetAction((p, ct) => Run(p, g, output, error, async (c, con, json) =>
        {
            string? which = p.GetValue(group);
            // A bare word is a group or a statistic's name: ask for both, the server answers what exists.
            object?[] args = string.IsNullOrEmpty(which) ? ["all"] : which.Contains(':', StringComparison.Ordinal) ? [which] : [which + ":", which];
            var r = await c.CallAsync("stats.get_statistics", args, ct);
            if (json) output.WriteLine(JsonText.Pretty(r));
            else Views.Statistics(con, r);
        }, ct));
        root.Subcommands.Add(stats);
        DbCommands.Add(root, output, error);

        root.Subcommands.Add(Simple("uptime", "show how long the server has been running", "core.uptime", g, output, error, Views.KeyValues));
        root.Subcommands.Add(Simple("version", "show the server's version", "core.version", g, output, error, Views.Generic));
        root.Subcommands.Add(Simple("ps", "list the server's threads and listeners", "core.psx", g, output, error, Views.Processes));
        root.Subcommands.Add(Simple("tm", "show transaction statistics", "tm.stats", g, output, error, Views.KeyValues));

        var ul = new Command("ul", "user location (registered contacts)");
        var aor = new Argument<string?>("aor") { Description = "address of record (user@domain); all when omitted", Arity = ArgumentArity.ZeroOrOne };
        var table = new Option<string>("--table") { Description = "location table", DefaultValueFactory = _ => "location" };
        var brief = new Option<bool>("--brief") { Description = "list AORs only" };
        var show = new Command("show", "show registered contacts") { aor, table, brief };
        show.SetAction((p, ct) => Run(p, g, output, error, async (c, con, json) =>
        {
            string? a = p.GetValue(aor);
            var r = a is null
                ? await c.CallAsync("ul.dump", p.GetValue(brief) ? ["brief"] : [], ct)
                : await c.CallAsync("ul.lookup", [p.GetValue(table), a], ct);
            if (json) output.WriteLine(JsonText.Pretty(r));
            else Views.Contacts(con, r);
        }, ct));
        var rmAor = new Argument<string>("aor") { Description = "address of record to remove" };
        var rmContact = new Argument<string?>("contact") { Description = "only this contact", Arity = ArgumentArity.ZeroOrOne };
        var rm = new Command("rm", "remove an AOR, or one of its contacts") { rmAor, rmContact, table };
        rm.SetAction((p, ct) => Run(p, g, output, error, async (c, con, json) =>
        {
            string? contact = p.GetValue(rmContact);
            var r = contact is null
                ? await c.CallAsync("ul.rm", [p.GetValue(table), p.GetValue(rmAor)], ct)
                : await c.CallAsync("ul.rm_contact", [p.GetValue(table), p.GetValue(rmAor), contact], ct);
            if (json) output.WriteLine(JsonText.Pretty(r));
            else con.MarkupLine("[green]removed[/]");
        }, ct));
        ul.Subcommands.Add(show);
        ul.Subcommands.Add(rm);
        root.Subcommands.Add(ul);

        var once = new Option<bool>("--once") { Description = "print one screen and exit" };
        var interval = new Option<double>("--interval") { Description = "seconds between refreshes", DefaultValueFactory = _ => 1 };
        var monitor = new Command("monitor", "a live screen of the server's state (like kamctl monitor)") { once, interval };
        monitor.SetAction((p, ct) => Run(p, g, output, error, (c, con, json) =>
            Monitor.RunAsync(c, con, output, p.GetValue(once), TimeSpan.FromSeconds(Math.Max(0.1, p.GetValue(interval))), json, ct), ct));
        root.Subcommands.Add(monitor);
        return root;
    }

    private static Command Simple(string name, string description, string method, Globals g, TextWriter output, TextWriter error, Action<IAnsiConsole, JsonElement> view)
    {
        var cmd = new Command(name, description);
        cmd.SetAction((p, ct) => Run(p, g, output, error, async (c, con, json) =>
        {
            var r = await c.CallAsync(method, [], ct);
            if (json) output.WriteLine(JsonText.Pretty(r));
            else view(con, r);
        }, ct));
        return cmd;
    }

    private static async Task<int> Run(ParseResult p, Globals g, TextWriter output, TextWriter error, Func<RpcClient, IAnsiConsole, bool, Task> body, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(0.1, p.GetValue(g.Timeout)));
        string? socket = p.GetValue(g.Socket);
        string url = p.GetValue(g.Url) ?? Environment.GetEnvironmentVariable("OSPREY_RPC_URL") ?? DefaultUrl;
        RpcClient client;
        if (socket is not null)
        {
            client = new UnixDatagramRpcClient(socket.StartsWith("unix:", StringComparison.Ordinal) ? socket[5..] : socket, timeout);
        }
        else
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                error.WriteLine("ospreyctl: --url must be an http:// URL, not " + url);
                return ExitUnreachable;
            }
            client = new HttpRpcClient(uri, timeout);
        }
        using (client)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
                ColorSystem = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
            try
            {
                await body(client, console, p.GetValue(g.Json));
                return 0;
            }
            catch (ServerUnreachableException ex)
            {
                error.WriteLine("ospreyctl: " + ex.Message);
                error.WriteLine("ospreyctl: is osprey running? Point ospreyctl at it with --url http://HOST:PORT/RPC or --socket PATH.");
                return ExitUnreachable;
            }
            catch (RpcErrorException ex)
            {
                error.WriteLine($"ospreyctl: error {ex.Code}: {ex.Message}");
                return ExitRpcError;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }
        }
    }
}

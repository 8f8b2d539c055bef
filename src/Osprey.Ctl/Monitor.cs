using System.Text.Json;
using Spectre.Console;

namespace Osprey.Ctl;

/// <summary>
/// <c>ospreyctl monitor</c>: what <c>kamctl monitor</c> shows (version, uptime, transaction, stateless
/// and location statistics), refreshed until interrupted, or printed once with <c>--once</c>. Sections
/// whose module is not loaded say so instead of failing.
/// </summary>
internal static class Monitor
{
    public static async Task RunAsync(RpcClient client, IAnsiConsole con, TextWriter output, bool once, TimeSpan interval, bool json, CancellationToken ct)
    {
        for (int cycle = 1; ; cycle++)
        {
            var screen = await Collect(client, ct);
            if (json)
            {
                output.WriteLine(JsonSerializer.Serialize(screen));
            }
            else
            {
                if (!once)
                    con.Clear(home: true);
                Render(con, screen, cycle, once);
            }
            if (once)
                return;
            await Task.Delay(interval, ct);
        }
    }

    private static async Task<Dictionary<string, object?>> Collect(RpcClient client, CancellationToken ct)
    {
        var screen = new Dictionary<string, object?>
        {
            ["version"] = JsonText.Scalar(await client.CallAsync("core.version", [], ct)),
            ["uptime"] = await client.CallAsync("core.uptime", [], ct),
        };
        screen["tm"] = await Optional(client, "tm.stats", [], ct);
        screen["sl"] = await Optional(client, "sl.stats", [], ct);
        screen["core"] = await client.CallAsync("stats.get_statistics", ["core:"], ct);
        screen["usrloc"] = await Optional(client, "stats.get_statistics", ["usrloc:"], ct);
        return screen;
    }

    private static async Task<JsonElement?> Optional(RpcClient client, string method, object?[] ps, CancellationToken ct)
    {
        try
        {
            return await client.CallAsync(method, ps, ct);
        }
        catch (RpcErrorException)
        {
            return null;
        }
    }

    private static void Render(IAnsiConsole con, Dictionary<string, object?> s, int cycle, bool once)
    {
        var uptime = (JsonElement)s["uptime"]!;
        con.MarkupLine(once ? "[bold]Osprey monitor[/]" : $"[bold]Osprey monitor[/] — cycle {cycle}, Ctrl+C to quit");
        var head = new Table().HideHeaders().AddColumn("k").AddColumn("v");
        head.AddRow("version", Markup.Escape((string)s["version"]!));
        head.AddRow("now", Markup.Escape(Field(uptime, "now")));
        head.AddRow("up since", Markup.Escape(Field(uptime, "up_since")));
        head.AddRow("uptime", Markup.Escape(Field(uptime, "uptime") + " s"));
        con.Write(head);

        Section(con, "Transactions (tm.stats)", s["tm"] as JsonElement?);
        Section(con, "Stateless replies (sl.stats)", s["sl"] as JsonElement?);
        Stats(con, "Core statistics", (JsonElement)s["core"]!, ["rcv_requests", "rcv_replies", "fwd_requests", "fwd_replies", "drop_requests", "drop_replies", "err_requests", "err_replies", "bad_msg_hdr", "bad_URIs_rcvd"]);
        if (s["usrloc"] is JsonElement ul)
            Stats(con, "User location", ul, null);
    }

    private static string Field(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? JsonText.Scalar(v) : "";

    private static void Section(IAnsiConsole con, string title, JsonElement? e)
    {
        con.MarkupLine("[bold]" + Markup.Escape(title) + "[/]");
        if (e is not JsonElement v || v.ValueKind != JsonValueKind.Object)
        {
            con.MarkupLine("  [grey]not available (module not loaded)[/]");
            return;
        }
        var t = new Table().AddColumn("name").AddColumn(new TableColumn("value").RightAligned());
        foreach (var p in v.EnumerateObject())
            t.AddRow(Markup.Escape(p.Name), Markup.Escape(JsonText.Scalar(p.Value)));
        con.Write(t);
    }

    private static void Stats(IAnsiConsole con, string title, JsonElement e, string[]? only)
    {
        con.MarkupLine("[bold]" + Markup.Escape(title) + "[/]");
        var t = new Table().AddColumn("name").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (_, name, value) in Views.StatLines(e))
        {
            if (only is null || only.Contains(name))
                t.AddRow(Markup.Escape(name), Markup.Escape(value));
        }
        if (t.Rows.Count == 0)
            con.MarkupLine("  [grey]not available (module not loaded)[/]");
        else
            con.Write(t);
    }
}

using System.Text.Json;
using Spectre.Console;

namespace Osprey.Ctl;

/// <summary>How results are shown to people: tables for the known shapes, a tree for anything else.</summary>
internal static class Views
{
    public static void Generic(IAnsiConsole con, JsonElement r)
    {
        switch (r.ValueKind)
        {
            case JsonValueKind.Object:
                if (r.EnumerateObject().All(p => p.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
                {
                    KeyValues(con, r);
                    return;
                }
                break;
            case JsonValueKind.Array:
                if (r.EnumerateArray().All(e => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)))
                {
                    foreach (var e in r.EnumerateArray())
                        con.WriteLine(JsonText.Scalar(e));
                    return;
                }
                break;
            default:
                con.WriteLine(JsonText.Scalar(r));
                return;
        }
        var tree = new Tree("result");
        AddNodes(tree, r);
        con.Write(tree);
    }

    private static void AddNodes(IHasTreeNodes parent, JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                if (p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    AddNodes(parent.AddNode(Markup.Escape(p.Name)), p.Value);
                else
                    parent.AddNode(Markup.Escape(p.Name + ": " + JsonText.Scalar(p.Value)));
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in e.EnumerateArray())
            {
                if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    AddNodes(parent.AddNode("[" + i + "]"), item);
                else
                    parent.AddNode(Markup.Escape(JsonText.Scalar(item)));
                i++;
            }
        }
    }

    public static void KeyValues(IAnsiConsole con, JsonElement r)
    {
        if (r.ValueKind != JsonValueKind.Object)
        {
            Generic(con, r);
            return;
        }
        var t = new Table().AddColumn("name").AddColumn(new TableColumn("value"));
        foreach (var p in r.EnumerateObject())
            t.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? p.Value.GetRawText() : JsonText.Scalar(p.Value)));
        con.Write(t);
    }

    /// <summary><c>stats.get_statistics</c> answers "group:name = value" lines.</summary>
    public static void Statistics(IAnsiConsole con, JsonElement r)
    {
        var t = new Table().AddColumn("group").AddColumn("name").AddColumn(new TableColumn("value").RightAligned());
        foreach (var (group, name, value) in StatLines(r))
            t.AddRow(Markup.Escape(group), Markup.Escape(name), Markup.Escape(value));
        con.Write(t);
    }

    public static IEnumerable<(string Group, string Name, string Value)> StatLines(JsonElement r)
    {
        IEnumerable<JsonElement> items = r.ValueKind == JsonValueKind.Array ? r.EnumerateArray() : [r];
        foreach (var e in items)
        {
            string line = JsonText.Scalar(e);
            int eq = line.IndexOf(" = ", StringComparison.Ordinal);
            if (eq < 0)
                continue;
            string full = line[..eq];
            int colon = full.IndexOf(':', StringComparison.Ordinal);
            yield return (colon >= 0 ? full[..colon] : "", colon >= 0 ? full[(colon + 1)..] : full, line[(eq + 3)..]);
        }
    }

    /// <summary><c>core.psx</c>: IDX, PID, DSC structs.</summary>
    public static void Processes(IAnsiConsole con, JsonElement r)
    {
        var t = new Table().AddColumn(new TableColumn("IDX").RightAligned()).AddColumn(new TableColumn("PID").RightAligned()).AddColumn("description");
        IEnumerable<JsonElement> items = r.ValueKind == JsonValueKind.Array ? r.EnumerateArray() : [r];
        foreach (var e in items)
        {
            if (e.ValueKind != JsonValueKind.Object)
                continue;
            t.AddRow(Get(e, "IDX"), Get(e, "PID"), Markup.Escape(Get(e, "DSC")));
        }
        con.Write(t);
    }

    private static string Get(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? JsonText.Scalar(v) : "";

    /// <summary>
    /// usrloc answers (<c>ul.dump</c>: Domains/Domain/AoRs/Info; <c>ul.lookup</c>: AoR and Contacts):
    /// one row per contact, found wherever an object has an <c>AoR</c>.
    /// </summary>
    public static void Contacts(IAnsiConsole con, JsonElement r)
    {
        var t = new Table().AddColumn("AOR").AddColumn("contact").AddColumn(new TableColumn("expires").RightAligned()).AddColumn("q").AddColumn("user agent");
        int rows = 0;
        foreach (var (aor, contact) in FindContacts(r))
        {
            if (contact is JsonElement c)
                t.AddRow(Markup.Escape(aor), Markup.Escape(Get(c, "Address")), Get(c, "Expires"), Get(c, "Q"), Markup.Escape(Get(c, "User-Agent")));
            else
                t.AddRow(Markup.Escape(aor), "", "", "", "");
            rows++;
        }
        if (rows == 0)
            con.WriteLine("no registered contacts");
        else
            con.Write(t);
    }

    private static IEnumerable<(string Aor, JsonElement? Contact)> FindContacts(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (e.TryGetProperty("AoR", out var aor))
            {
                string a = JsonText.Scalar(aor);
                bool any = false;
                if (e.TryGetProperty("Contacts", out var cs) && cs.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in cs.EnumerateArray())
                    {
                        var c = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Contact", out var inner) ? inner : item;
                        any = true;
                        yield return (a, c);
                    }
                }
                if (!any)
                    yield return (a, null);
                yield break;
            }
            foreach (var p in e.EnumerateObject())
            {
                foreach (var x in FindContacts(p.Value))
                    yield return x;
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray())
            {
                foreach (var x in FindContacts(item))
                    yield return x;
            }
        }
    }
}

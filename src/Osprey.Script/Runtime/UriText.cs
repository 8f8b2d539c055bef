namespace Osprey.Script.Runtime;

/// <summary>
/// A SIP URI as text, split into its parts (scheme:user:password@host:port;params?headers) for the
/// URI pseudo-variables, their writes ($rU = ...) and the {uri.*} transformations.
/// </summary>
internal readonly struct UriText
{
    public readonly string Scheme, User, Password, Host, Port, Params, Headers;
    public readonly bool HasUserInfo, Valid;

    public UriText(string uri)
    {
        Scheme = User = Password = Host = Port = Params = Headers = "";
        HasUserInfo = false;
        Valid = false;
        var s = uri.Trim();
        if (s.StartsWith('<') && s.EndsWith('>')) s = s[1..^1];
        int colon = s.IndexOf(':');
        if (colon <= 0) return;
        Scheme = s[..colon];
        var rest = s[(colon + 1)..];
        int q = rest.IndexOf('?');
        if (q >= 0) { Headers = rest[(q + 1)..]; rest = rest[..q]; }
        int at = rest.LastIndexOf('@');
        int firstSemi = rest.IndexOf(';');
        // '@' after a ';' belongs to a parameter only when the user part has no ';' (user params are legal).
        if (at >= 0)
        {
            HasUserInfo = true;
            var ui = rest[..at];
            int pc = ui.IndexOf(':');
            if (pc >= 0) { User = ui[..pc]; Password = ui[(pc + 1)..]; }
            else User = ui;
            rest = rest[(at + 1)..];
        }
        _ = firstSemi;
        int semi = rest.IndexOf(';');
        if (semi >= 0) { Params = rest[(semi + 1)..]; rest = rest[..semi]; }
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']');
            if (close < 0) return;
            Host = rest[..(close + 1)];
            if (close + 1 < rest.Length && rest[close + 1] == ':') Port = rest[(close + 2)..];
        }
        else
        {
            int pc = rest.IndexOf(':');
            if (pc >= 0) { Host = rest[..pc]; Port = rest[(pc + 1)..]; }
            else Host = rest;
        }
        Valid = Host.Length > 0 || Scheme is "tel";
    }

    /// <summary>The URI with some parts replaced (null keeps a part; an empty user removes the user info).</summary>
    public string With(string? user = null, string? host = null, string? port = null, string? scheme = null)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(scheme ?? Scheme).Append(':');
        var u = user ?? User;
        if (u.Length > 0)
        {
            sb.Append(u);
            if (Password.Length > 0) sb.Append(':').Append(Password);
            sb.Append('@');
        }
        sb.Append(host ?? Host);
        var p = port ?? Port;
        if (p.Length > 0) sb.Append(':').Append(p);
        if (Params.Length > 0) sb.Append(';').Append(Params);
        if (Headers.Length > 0) sb.Append('?').Append(Headers);
        return sb.ToString();
    }

    /// <summary>Value of a ';' parameter (case-insensitive name); null when absent, "" for a flag.</summary>
    public string? Param(string name) => ParamList.Value(Params, name, ';');
}

/// <summary>name=value lists separated by ';' (or another separator).</summary>
internal static class ParamList
{
    public static IEnumerable<(string Name, string Value)> Items(string list, char sep)
    {
        foreach (var raw in list.Split(sep))
        {
            var p = raw.Trim();
            if (p.Length == 0) continue;
            int eq = p.IndexOf('=');
            yield return eq < 0 ? (p, "") : (p[..eq].Trim(), p[(eq + 1)..].Trim());
        }
    }

    public static string? Value(string list, string name, char sep)
    {
        foreach (var (n, v) in Items(list, sep))
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return v;
        }
        return null;
    }
}

/// <summary>A name-addr / To-like header body: "Display" &lt;uri&gt;;params.</summary>
internal readonly struct NameAddrText
{
    public readonly string Display, Uri, Params;

    /// <summary>Everything before '&lt;' as written (Kamailio's {nameaddr.name} keeps the trailing blank).</summary>
    public readonly string RawDisplay;

    public NameAddrText(string body)
    {
        Display = Uri = Params = RawDisplay = "";
        var s = body.Trim();
        int lt = IndexOutsideQuotes(s, '<');
        if (lt >= 0)
        {
            int gt = s.IndexOf('>', lt);
            if (gt < 0) { Uri = s[(lt + 1)..]; Display = s[..lt].Trim(); return; }
            Display = s[..lt].Trim();
            RawDisplay = s[..lt];
            Uri = s[(lt + 1)..gt].Trim();
            var after = s[(gt + 1)..].Trim();
            Params = after.StartsWith(';') ? after[1..] : after;
        }
        else
        {
            int semi = s.IndexOf(';');
            if (semi >= 0) { Uri = s[..semi].Trim(); Params = s[(semi + 1)..]; }
            else Uri = s;
        }
    }

    public string? Param(string name) => ParamList.Value(Params, name, ';');

    private static int IndexOutsideQuotes(string s, char c)
    {
        bool q = false;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '"' && (i == 0 || s[i - 1] != '\\')) q = !q;
            else if (!q && s[i] == c) return i;
        }
        return -1;
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Runtime;

namespace Osprey.Script.Transforms;

/// <summary>One transformation of a chain ({s.len}, {uri.user}, {param.value,name} ...), bound at compile time.</summary>
internal abstract class Transform
{
    public abstract PvValue Apply(MessageContext c, ScriptState s, PvValue input);
}

/// <summary>A transformation argument: a literal, or a PV read per message.</summary>
internal readonly struct TrArg(string? literal, Ev? pv)
{
    public string Str(MessageContext c, ScriptState s) => literal ?? pv!.EvalString(c, s);
    public int Int(MessageContext c, ScriptState s) => literal is not null ? (Values.TryParseInt(literal.Trim(), out var n) ? n : 0) : pv!.EvalInt(c, s);
    public bool IsLiteral => literal is not null;
    public string? Literal => literal;
}

internal sealed class FuncTransform(Func<MessageContext, ScriptState, PvValue, PvValue> f) : Transform
{
    public override PvValue Apply(MessageContext c, ScriptState s, PvValue input) => f(c, s, input);
}

/// <summary>The string, uri, param, nameaddr, tobody and line transformation classes.</summary>
internal static class Transforms
{
    private static PvValue S(string v) => PvValue.FromString(v);
    private static PvValue N(string v) => v.Length == 0 ? PvValue.Null : PvValue.FromString(v);
    private static PvValue I(int v) => PvValue.FromInt(v);

    public static Transform? Create(string cls, string name, TrArg[] args, out string? error)
    {
        error = null;
        var key = cls + "." + name;
        int need = key switch
        {
            "s.substr" or "s.select" or "s.replace" => 2,
            "s.strip" or "s.striptail" or "s.prefixes" or "s.rm" or "s.before" or "s.after" or "s.stripto" or "s.rbefore" or "s.rafter" or "s.fill.left" or "s.fill.right" => 1,
            "uri.param" or "param.value" or "param.in" or "param.valueat" or "param.name" or "param.exist" or "line.at" or "line.sw" => 1,
            _ => 0,
        };
        if (args.Length < need)
        {
            error = $"transformation {{{key}}} needs {need} argument(s)";
            return null;
        }
        Func<MessageContext, ScriptState, PvValue, PvValue>? f = key switch
        {
            "s.len" => (c, s, v) => I(Values.ToStr(v).Length),
            "s.int" => (c, s, v) => I(v.IsInt ? (int)v.Int : LeadingInt(Values.ToStr(v))),
            "s.numeric" => (c, s, v) => I(IsDigits(Values.ToStr(v)) ? 1 : 0),
            "s.tolower" => (c, s, v) => S(Values.ToStr(v).ToLowerInvariant()),
            "s.toupper" => (c, s, v) => S(Values.ToStr(v).ToUpperInvariant()),
            "s.trim" => (c, s, v) => S(Values.ToStr(v).Trim(' ', '\t', '\r', '\n')),
            "s.ltrim" => (c, s, v) => S(Values.ToStr(v).TrimStart(' ', '\t', '\r', '\n')),
            "s.rtrim" => (c, s, v) => S(Values.ToStr(v).TrimEnd(' ', '\t', '\r', '\n')),
            "s.md5" => (c, s, v) => S(Convert.ToHexStringLower(Md5(Encoding.UTF8.GetBytes(Values.ToStr(v))))),
            "s.sha256" => (c, s, v) => S(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Values.ToStr(v))))),
            "s.sha1" => (c, s, v) => S(Convert.ToHexStringLower(Sha1(Encoding.UTF8.GetBytes(Values.ToStr(v))))),
            "s.encode.hexa" or "s.encode.hex" => (c, s, v) => S(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Values.ToStr(v)))),
            "s.decode.hexa" or "s.decode.hex" => (c, s, v) => DecodeHex(Values.ToStr(v)),
            "s.encode.base64" => (c, s, v) => S(Convert.ToBase64String(Encoding.UTF8.GetBytes(Values.ToStr(v)))),
            "s.decode.base64" => (c, s, v) => DecodeBase64(Values.ToStr(v)),
            "s.unquote" => (c, s, v) => { var x = Values.ToStr(v); return S(x.Length >= 2 && (x[0] == '"' && x[^1] == '"' || x[0] == '\'' && x[^1] == '\'') ? x[1..^1] : x); },
            "s.unbracket" => (c, s, v) => { var x = Values.ToStr(v); return S(x.Length >= 2 && (x[0] == '<' && x[^1] == '>' || x[0] == '(' && x[^1] == ')' || x[0] == '[' && x[^1] == ']' || x[0] == '{' && x[^1] == '}') ? x[1..^1] : x); },
            "s.escape.common" => (c, s, v) => S(Values.ToStr(v).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)),
            "s.substr" => (c, s, v) =>
            {
                var x = Values.ToStr(v);
                int off = args[0].Int(c, s), len = args[1].Int(c, s);
                if (off < 0) off += x.Length;
                if (off < 0 || off > x.Length) return PvValue.Null;
                if (len <= 0) len = len == 0 ? x.Length - off : x.Length - off + len;
                if (len < 0) return PvValue.Null;
                return S(x.Substring(off, Math.Min(len, x.Length - off)));
            },
            "s.select" => (c, s, v) =>
            {
                var sep = args[1].Str(c, s);
                var parts = Values.ToStr(v).Split(sep.Length > 0 ? sep[0] : ',');
                int idx = args[0].Int(c, s);
                if (idx < 0) idx += parts.Length;
                return idx >= 0 && idx < parts.Length ? S(parts[idx]) : S(""); // out of range: empty, as Kamailio
            },
            "s.strip" => (c, s, v) => { var x = Values.ToStr(v); int n = args[0].Int(c, s); return S(n >= x.Length ? "" : x[Math.Max(0, n)..]); },
            "s.striptail" => (c, s, v) => { var x = Values.ToStr(v); int n = args[0].Int(c, s); return S(n >= x.Length ? "" : x[..(x.Length - Math.Max(0, n))]); },
            "s.stripto" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int i = a.Length > 0 ? x.IndexOf(a[0]) : -1; return S(i < 0 ? x : x[i..]); },
            "s.before" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int i = a.Length > 0 ? x.IndexOf(a[0]) : -1; return S(i < 0 ? x : x[..i]); },
            "s.after" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int i = a.Length > 0 ? x.IndexOf(a[0]) : -1; return S(i < 0 ? "" : x[(i + 1)..]); },
            "s.rbefore" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int i = a.Length > 0 ? x.LastIndexOf(a[0]) : -1; return S(i < 0 ? x : x[..i]); },
            "s.rafter" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int i = a.Length > 0 ? x.LastIndexOf(a[0]) : -1; return S(i < 0 ? "" : x[(i + 1)..]); },
            "s.rm" => (c, s, v) => S(Values.ToStr(v).Replace(args[0].Str(c, s), "", StringComparison.Ordinal)),
            "s.replace" => (c, s, v) => { var a = args[0].Str(c, s); return a.Length == 0 ? v : S(Values.ToStr(v).Replace(a, args[1].Str(c, s), StringComparison.Ordinal)); },
            "s.prefixes" => (c, s, v) =>
            {
                var x = Values.ToStr(v);
                int max = args.Length > 0 ? args[0].Int(c, s) : x.Length;
                var sb = new StringBuilder();
                for (int i = 1; i <= Math.Min(max <= 0 ? x.Length : max, x.Length); i++) { if (i > 1) sb.Append(','); sb.Append(x, 0, i); }
                return S(sb.ToString());
            },
            "s.fill.left" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int n = args.Length > 1 ? args[1].Int(c, s) : x.Length; return S(a.Length == 0 ? x : x.PadLeft(n, a[0])); },
            "s.fill.right" => (c, s, v) => { var x = Values.ToStr(v); var a = args[0].Str(c, s); int n = args.Length > 1 ? args[1].Int(c, s) : x.Length; return S(a.Length == 0 ? x : x.PadRight(n, a[0])); },
            "uri.user" => (c, s, v) => N(new UriText(Values.ToStr(v)).User),
            "uri.host" or "uri.domain" => (c, s, v) => N(new UriText(Values.ToStr(v)).Host),
            "uri.passwd" => (c, s, v) => N(new UriText(Values.ToStr(v)).Password),
            "uri.port" => (c, s, v) => N(new UriText(Values.ToStr(v)).Port),
            "uri.params" => (c, s, v) => N(new UriText(Values.ToStr(v)).Params),
            "uri.headers" => (c, s, v) => N(new UriText(Values.ToStr(v)).Headers),
            "uri.scheme" => (c, s, v) => N(new UriText(Values.ToStr(v)).Scheme),
            "uri.param" => (c, s, v) => new UriText(Values.ToStr(v)).Param(args[0].Str(c, s)) is { } p ? S(p) : PvValue.Null,
            "uri.transport" => (c, s, v) => N(new UriText(Values.ToStr(v)).Param("transport") ?? ""),
            "uri.ttl" => (c, s, v) => N(new UriText(Values.ToStr(v)).Param("ttl") ?? ""),
            "uri.uparam" => (c, s, v) => N(new UriText(Values.ToStr(v)).Param("user") ?? ""),
            "uri.maddr" => (c, s, v) => N(new UriText(Values.ToStr(v)).Param("maddr") ?? ""),
            "uri.method" => (c, s, v) => N(new UriText(Values.ToStr(v)).Param("method") ?? ""),
            "uri.lr" => (c, s, v) => new UriText(Values.ToStr(v)).Param("lr") is null ? PvValue.Null : S("lr"),
            "uri.r2" => (c, s, v) => N(new UriText(Values.ToStr(v)).Param("r2") ?? ""),
            "uri.tosocket" => (c, s, v) =>
            {
                var u = new UriText(Values.ToStr(v));
                return S((u.Param("transport") ?? "udp") + ":" + u.Host + (u.Port.Length > 0 ? ":" + u.Port : ""));
            },
            "param.value" => (c, s, v) => S(ParamList.Value(Values.ToStr(v), args[0].Str(c, s), Sep(args, 1, c, s)) ?? ""),
            "param.in" => (c, s, v) => I(ParamList.Value(Values.ToStr(v), args[0].Str(c, s), Sep(args, 1, c, s)) is null ? 0 : 1),
            "param.exist" => (c, s, v) => I(ParamList.Value(Values.ToStr(v), args[0].Str(c, s), Sep(args, 1, c, s)) is null ? 0 : 1),
            "param.valueat" => (c, s, v) => At(ParamList.Items(Values.ToStr(v), Sep(args, 1, c, s)), args[0].Int(c, s)) is { } p ? S(p.Value) : PvValue.Null,
            "param.name" => (c, s, v) => At(ParamList.Items(Values.ToStr(v), Sep(args, 1, c, s)), args[0].Int(c, s)) is { } p ? S(p.Name) : PvValue.Null,
            "param.count" => (c, s, v) => I(CountItems(ParamList.Items(Values.ToStr(v), Sep(args, 0, c, s)))),
            "nameaddr.name" => (c, s, v) => N(new NameAddrText(Values.ToStr(v)).RawDisplay),
            "nameaddr.uri" => (c, s, v) => N(new NameAddrText(Values.ToStr(v)).Uri),
            "nameaddr.len" => (c, s, v) => I(Values.ToStr(v).Length),
            "tobody.uri" => (c, s, v) => N(new NameAddrText(Values.ToStr(v)).Uri),
            "tobody.display" => (c, s, v) => N(new NameAddrText(Values.ToStr(v)).Display),
            "tobody.tag" => (c, s, v) => new NameAddrText(Values.ToStr(v)).Param("tag") is { } t ? S(t) : PvValue.Null,
            "tobody.user" => (c, s, v) => N(new UriText(new NameAddrText(Values.ToStr(v)).Uri).User),
            "tobody.host" => (c, s, v) => N(new UriText(new NameAddrText(Values.ToStr(v)).Uri).Host),
            "tobody.params" => (c, s, v) => N(new NameAddrText(Values.ToStr(v)).Params),
            "line.count" => (c, s, v) => I(Lines(Values.ToStr(v)).Length),
            "line.at" => (c, s, v) =>
            {
                var l = Lines(Values.ToStr(v));
                int i = args[0].Int(c, s);
                if (i < 0) i += l.Length;
                return i >= 0 && i < l.Length ? S(l[i]) : PvValue.Null;
            },
            "line.sw" => (c, s, v) =>
            {
                var p = args[0].Str(c, s);
                foreach (var l in Lines(Values.ToStr(v))) if (l.StartsWith(p, StringComparison.Ordinal)) return S(l);
                return PvValue.Null;
            },
            _ => null,
        };
        if (f is null)
        {
            error = $"unknown transformation {{{key}}}";
            return null;
        }
        return new FuncTransform(f);
    }

    // Kamailio's {s.md5}/{s.sha1} are hashes for ids and keys, not security; the names fix the algorithm.
#pragma warning disable CA5351, CA5350
    private static byte[] Md5(byte[] b) => MD5.HashData(b);
    private static byte[] Sha1(byte[] b) => SHA1.HashData(b);
#pragma warning restore CA5351, CA5350

    private static char Sep(TrArg[] args, int i, MessageContext c, ScriptState s)
    {
        if (args.Length <= i) return ';';
        var x = args[i].Str(c, s);
        return x.Length > 0 ? x[0] : ';';
    }

    private static (string Name, string Value)? At(IEnumerable<(string Name, string Value)> items, int index)
    {
        if (index < 0) index += CountItems(items);
        if (index < 0) return null;
        foreach (var item in items)
        {
            if (index-- == 0) return item;
        }
        return null;
    }

    private static int CountItems(IEnumerable<(string Name, string Value)> items)
    {
        int n = 0;
        foreach (var _ in items) n++;
        return n;
    }

    private static bool IsDigits(string x)
    {
        if (x.Length == 0) return false;
        foreach (var ch in x) if (!char.IsAsciiDigit(ch)) return false;
        return true;
    }

    private static PvValue DecodeHex(string x)
    {
        if (x.Length % 2 != 0) return PvValue.Null;
        foreach (var ch in x) if (!char.IsAsciiHexDigit(ch)) return PvValue.Null;
        return S(Encoding.UTF8.GetString(Convert.FromHexString(x)));
    }

    private static PvValue DecodeBase64(string x)
    {
        var buf = new byte[x.Length];
        return Convert.TryFromBase64String(x, buf, out int n) ? S(Encoding.UTF8.GetString(buf, 0, n)) : PvValue.Null;
    }

    private static string[] Lines(string x)
    {
        var l = x.Split('\n');
        for (int i = 0; i < l.Length; i++) l[i] = l[i].TrimEnd('\r');
        if (l.Length > 0 && l[^1].Length == 0) Array.Resize(ref l, l.Length - 1);
        return l;
    }

    private static int LeadingInt(string x)
    {
        int i = 0;
        if (i < x.Length && (x[i] == '-' || x[i] == '+')) i++;
        while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
        return int.TryParse(x.AsSpan(0, i), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}

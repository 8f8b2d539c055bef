using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Sip.Multipart;
using Osprey.Sip.Text;

namespace Osprey.Modules.Textops;

public sealed partial class Textops
{
    [Function("cmp_str", RouteTypes.Any)]
    public int CmpStr(MessageContext ctx, string a, string b) => string.Equals(a, b, StringComparison.Ordinal) ? True : False;

    [Function("cmp_istr", RouteTypes.Any)]
    public int CmpIStr(MessageContext ctx, string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase) ? True : False;

    [Function("starts_with", RouteTypes.Any)]
    public int StartsWith(MessageContext ctx, string s, string prefix) => s.StartsWith(prefix, StringComparison.Ordinal) ? True : False;

    [Function("ends_with", RouteTypes.Any)]
    public int EndsWith(MessageContext ctx, string s, string suffix) => s.EndsWith(suffix, StringComparison.Ordinal) ? True : False;

    /// <summary><c>in_list(subject, list, separator)</c>: subject is one of the separated items (blanks trimmed).</summary>
    [Function("in_list", RouteTypes.Any)]
    public int InList(MessageContext ctx, string subject, string list, string separator)
    {
        if (separator.Length != 1) return False;
        foreach (var r in list.AsSpan().Split(separator[0]))
        {
            if (list.AsSpan()[r].Trim().SequenceEqual(subject)) return True;
        }
        return False;
    }

    /// <summary><c>in_list_prefix(subject, list, separator)</c>: some item of the list is a prefix of subject.</summary>
    [Function("in_list_prefix", RouteTypes.Any)]
    public int InListPrefix(MessageContext ctx, string subject, string list, string separator)
    {
        if (separator.Length != 1) return False;
        foreach (var r in list.AsSpan().Split(separator[0]))
        {
            var item = list.AsSpan()[r].Trim();
            if (item.Length > 0 && subject.AsSpan().StartsWith(item, StringComparison.Ordinal)) return True;
        }
        return False;
    }

    /// <summary><c>str_find(s, part)</c>: part occurs in s; the result is its position plus one (true).</summary>
    [Function("str_find", RouteTypes.Any)]
    public int StrFind(MessageContext ctx, string s, string part) => s.IndexOf(part, StringComparison.Ordinal) is var i and >= 0 ? i + 1 : False;

    /// <summary><c>str_ifind(s, part)</c>: as str_find, ignoring case.</summary>
    [Function("str_ifind", RouteTypes.Any)]
    public int StrIFind(MessageContext ctx, string s, string part) => s.IndexOf(part, StringComparison.OrdinalIgnoreCase) is var i and >= 0 ? i + 1 : False;

    /// <summary><c>is_privacy(type)</c>: a Privacy header lists the type (RFC 3323 §4.2; values separated by ';').</summary>
    [Function("is_privacy", Rofb)]
    public int IsPrivacy(MessageContext ctx, string type)
    {
        var want = HeaderNameMatch.Bytes(type, stackalloc byte[64]);
        var m = ctx.Message;
        for (int i = m.IndexOf(HeaderId.Privacy); i >= 0; i = m.NextIndexOf(HeaderId.Privacy, i))
        {
            var v = m.ValueAt(i);
            foreach (var r in v.Split((byte)';'))
            {
                if (SipChars.EqualsIgnoreCase(SipChars.Trim(v[r]), want)) return True;
            }
        }
        return False;
    }

    /// <summary><c>replace_str(match, repl, mode)</c>: plain-text replacement over headers and body (not the
    /// first line); mode <c>f</c> first occurrence, <c>a</c> all.</summary>
    [Function("replace_str", RouteTypes.Any)]
    public int ReplaceStr(MessageContext ctx, string match, string repl, string mode)
    {
        var m = ctx.Message;
        return ReplaceText(ctx, match, repl, mode, m.HeadersStart, m.Length - m.HeadersStart);
    }

    /// <summary><c>replace_hdrs_str(match, repl, mode)</c>: as replace_str over the headers only.</summary>
    [Function("replace_hdrs_str", RouteTypes.Any)]
    public int ReplaceHdrsStr(MessageContext ctx, string match, string repl, string mode)
    {
        var m = ctx.Message;
        return ReplaceText(ctx, match, repl, mode, m.HeadersStart, m.HeadersEnd - m.HeadersStart);
    }

    /// <summary><c>replace_body_str(match, repl, mode)</c>: as replace_str over the body only.</summary>
    [Function("replace_body_str", RouteTypes.Any)]
    public int ReplaceBodyStr(MessageContext ctx, string match, string repl, string mode)
    {
        var m = ctx.Message;
        return ReplaceText(ctx, match, repl, mode, m.BodyStart, m.BodyLength);
    }

    private static int ReplaceText(MessageContext ctx, string match, string repl, string mode, int start, int length)
    {
        if (match.Length == 0 || length <= 0) return False;
        bool all = mode.Length > 0 && mode[0] == 'a';
        using var what = new Utf8Text(match);
        using var with = new Utf8Text(repl);
        var region = ctx.Message.Span.Slice(start, length);
        int n = 0, pos = 0;
        while (pos < region.Length)
        {
            int i = region[pos..].IndexOf(what.Bytes);
            if (i < 0) break;
            ctx.Editor.Replace(start + pos + i, what.Bytes.Length, with.Bytes);
            n++;
            pos += i + what.Bytes.Length;
            if (!all) break;
        }
        return n > 0 ? True : False;
    }

    /// <summary><c>remove_hf_match(name, op, expr)</c>: removes headers of that name whose value is equal
    /// (<c>eq</c>), not equal (<c>ne</c>), contains (<c>in</c>) or matches the regular expression (<c>re</c>).</summary>
    [Function("remove_hf_match", RouteTypes.Any)]
    public int RemoveHfMatch(MessageContext ctx, string name, string op, string expr)
    {
        Regex? re = null;
        if (op == "re" && (re = ScriptRegex.Get(expr, ScriptRegex.SearchOptions)) is null) return False;
        if (op is not ("eq" or "ne" or "in" or "re")) return False;
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(name, stackalloc byte[128]));
        using var e = new Utf8Text(expr);
        int n = 0;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            var v = m.ValueAt(i);
            bool hit;
            if (op == "eq") hit = v.SequenceEqual(e.Bytes);
            else if (op == "ne") hit = !v.SequenceEqual(e.Bytes);
            else if (op == "in") hit = v.IndexOf(e.Bytes) >= 0;
            else
            {
                using var chars = new Latin1(v);
                hit = re!.IsMatch(chars.Chars);
            }
            if (!hit) continue;
            ctx.Editor.RemoveHeader(i);
            n++;
        }
        return n > 0 ? True : False;
    }
}

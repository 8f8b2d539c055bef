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
    /// <summary><c>append_hf(txt)</c>: adds the header text (which ends in CRLF) after the last header.</summary>
    [Function("append_hf", Rofb)]
    public int AppendHf(MessageContext ctx, string text)
    {
        using var t = new Utf8Text(text);
        ctx.Editor.Insert(ctx.Message.HeadersEnd, t.Bytes);
        return True;
    }

    /// <summary><c>append_hf(txt, hdr)</c>: adds the text after the last header named <paramref name="after"/>;
    /// false when there is none.</summary>
    [Function("append_hf", Rofb)]
    public int AppendHf(MessageContext ctx, string text, string after)
    {
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(after, stackalloc byte[128]));
        int last = -1;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (match.Matches(m, i)) last = i;
        }
        if (last < 0) return False;
        using var t = new Utf8Text(text);
        ctx.Editor.Insert(m.Header(last).LineEnd, t.Bytes);
        return True;
    }

    /// <summary><c>insert_hf(txt)</c>: adds the header text before the first header.</summary>
    [Function("insert_hf", Rofb)]
    public int InsertHf(MessageContext ctx, string text)
    {
        using var t = new Utf8Text(text);
        ctx.Editor.Insert(ctx.Message.HeadersStart, t.Bytes);
        return True;
    }

    /// <summary><c>insert_hf(txt, hdr)</c>: adds the text before the first header named <paramref name="before"/>.</summary>
    [Function("insert_hf", Rofb)]
    public int InsertHf(MessageContext ctx, string text, string before)
    {
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(before, stackalloc byte[128]));
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            using var t = new Utf8Text(text);
            ctx.Editor.Insert(m.Header(i).LineStart, t.Bytes);
            return True;
        }
        return False;
    }

    /// <summary><c>append_urihf(prefix, suffix)</c>: appends prefix, the received Request-URI and suffix as a header.</summary>
    [Function("append_urihf", Rfb)]
    public int AppendUriHf(MessageContext ctx, string prefix, string suffix)
    {
        var m = ctx.Message;
        if (!m.IsRequest) return False;
        var e = ctx.Editor;
        e.BeginInsert(m.HeadersEnd);
        using (var p = new Utf8Text(prefix)) e.Write(p.Bytes);
        e.Write(m.RequestUriText);
        using (var s = new Utf8Text(suffix)) e.Write(s.Bytes);
        e.EndInsert();
        return True;
    }

    /// <summary><c>is_present_hf(name)</c>: a header with this name (long or compact form) is present.</summary>
    [Function("is_present_hf", Rofb)]
    [Function("is_present_hf_pv", Rofb)]
    public int IsPresentHf(MessageContext ctx, string name)
    {
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(name, stackalloc byte[128]));
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (match.Matches(m, i)) return True;
        }
        return False;
    }

    /// <summary><c>is_present_hf_re(re)</c>: some header name matches the regular expression.</summary>
    [Function("is_present_hf_re", Rofb)]
    [Function("is_present_hf_re_pv", Rofb)]
    public int IsPresentHfRe(MessageContext ctx, string pattern)
    {
        var re = ScriptRegex.Get(pattern, ScriptRegex.SearchOptions);
        if (re is null) return False;
        var m = ctx.Message;
        Span<char> name = stackalloc char[256];
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (re.IsMatch(NameChars(m, i, name))) return True;
        }
        return False;
    }

    /// <summary><c>remove_hf(name)</c>: removes every header with this name (compact forms too).</summary>
    [Function("remove_hf", RouteTypes.Any)]
    [Function("remove_hf_pv", RouteTypes.Any)]
    public int RemoveHf(MessageContext ctx, string name)
    {
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(name, stackalloc byte[128]));
        int n = 0;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            ctx.Editor.RemoveHeader(i);
            n++;
        }
        return n > 0 ? True : False;
    }

    /// <summary><c>remove_hf_re(re)</c>: removes every header whose name matches.</summary>
    [Function("remove_hf_re", RouteTypes.Any)]
    [Function("remove_hf_re_pv", RouteTypes.Any)]
    public int RemoveHfRe(MessageContext ctx, string pattern) => RemoveHfExp(ctx, pattern, null);

    /// <summary><c>remove_hf_exp(match, skip)</c>: removes headers whose name matches the first expression
    /// and not the second.</summary>
    [Function("remove_hf_exp", RouteTypes.Any)]
    [Function("remove_hf_exp_pv", RouteTypes.Any)]
    public int RemoveHfExp(MessageContext ctx, string matchPattern, string? skipPattern)
    {
        var re = ScriptRegex.Get(matchPattern, ScriptRegex.SearchOptions);
        if (re is null) return False;
        var skip = string.IsNullOrEmpty(skipPattern) ? null : ScriptRegex.Get(skipPattern, ScriptRegex.SearchOptions);
        var m = ctx.Message;
        Span<char> name = stackalloc char[256];
        int n = 0;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            var nm = NameChars(m, i, name);
            if (!re.IsMatch(nm) || (skip is not null && skip.IsMatch(nm))) continue;
            ctx.Editor.RemoveHeader(i);
            n++;
        }
        return n > 0 ? True : False;
    }

    /// <summary><c>remove_hf_idx(name, idx)</c>: removes the idx-th header of that name (0 first, -1 last).</summary>
    [Function("remove_hf_idx", RouteTypes.Any)]
    public int RemoveHfIdx(MessageContext ctx, string name, int index)
    {
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(name, stackalloc byte[128]));
        int count = 0;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (match.Matches(m, i)) count++;
        }
        int want = index < 0 ? count + index : index;
        if (want < 0 || want >= count) return False;
        for (int i = 0, k = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            if (k++ != want) continue;
            ctx.Editor.RemoveHeader(i);
            return True;
        }
        return False;
    }

    internal static ReadOnlySpan<char> NameChars(SipMessage m, int i, Span<char> buffer)
    {
        var raw = m.Header(i).Name.Of(m.Span);
        int n = Math.Min(raw.Length, buffer.Length);
        return buffer[..Encoding.Latin1.GetChars(raw[..n], buffer)];
    }
}

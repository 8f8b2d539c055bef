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
    /// <summary><c>search(re)</c>: the regular expression matches somewhere in the message as received.</summary>
    [Function("search", Rofb)]
    public int Search(MessageContext ctx, string pattern)
    {
        var m = ctx.Message;
        return Matches(pattern, m.Span[..m.Length]) ? True : False;
    }

    /// <summary><c>search_body(re)</c>: the expression matches in the body.</summary>
    [Function("search_body", Rofb)]
    public int SearchBody(MessageContext ctx, string pattern)
    {
        var body = ctx.Message.Body;
        if (body.IsEmpty) return False;
        return Matches(pattern, body) ? True : False;
    }

    /// <summary><c>search_str(text, re)</c>: the expression matches in a string.</summary>
    [Function("search_str", RouteTypes.Any)]
    public int SearchStr(MessageContext ctx, string text, string pattern)
    {
        var re = ScriptRegex.Get(pattern, RegexOptions.None);
        return re is not null && re.IsMatch(text) ? True : False;
    }

    /// <summary><c>search_hf(hf, re, flags)</c>: the expression matches in the value of header hf
    /// (<c>a</c> any, <c>f</c> first, <c>l</c> last).</summary>
    [Function("search_hf", Rofb)]
    public int SearchHf(MessageContext ctx, string header, string pattern, string flags)
    {
        var re = ScriptRegex.Get(pattern, ScriptRegex.SearchOptions);
        if (re is null) return False;
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(header, stackalloc byte[128]));
        char mode = flags.Length > 0 ? flags[0] : 'a';
        int first = -1, last = -1;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            if (first < 0) first = i;
            last = i;
            if (mode == 'a' && MatchesValue(re, m, i)) return True;
        }
        if (mode == 'f' && first >= 0) return MatchesValue(re, m, first) ? True : False;
        if (mode == 'l' && last >= 0) return MatchesValue(re, m, last) ? True : False;
        return False;
    }

    private static bool MatchesValue(Regex re, SipMessage m, int i)
    {
        using var v = new Latin1(m.Header(i).Value.Of(m.Span));
        return re.IsMatch(v.Chars);
    }

    private static bool Matches(string pattern, ReadOnlySpan<byte> text)
    {
        var re = ScriptRegex.Get(pattern, ScriptRegex.SearchOptions);
        if (re is null) return false;
        using var chars = new Latin1(text);
        return re.IsMatch(chars.Chars);
    }

    /// <summary><c>search_append(re, txt)</c>: inserts txt after the first match.</summary>
    [Function("search_append", Rofb)]
    public int SearchAppend(MessageContext ctx, string pattern, string text)
    {
        var m = ctx.Message;
        return EditMatches(ctx, pattern, text, 0, m.Length, all: false, replace: false) > 0 ? True : False;
    }

    /// <summary><c>search_append_body(re, txt)</c>: inserts txt after the first match in the body.</summary>
    [Function("search_append_body", Rofb)]
    public int SearchAppendBody(MessageContext ctx, string pattern, string text)
    {
        var m = ctx.Message;
        return EditMatches(ctx, pattern, text, m.BodyStart, m.BodyLength, all: false, replace: false) > 0 ? True : False;
    }

    /// <summary><c>replace(re, txt)</c>: replaces the first match in the message.</summary>
    [Function("replace", Rofb)]
    public int Replace(MessageContext ctx, string pattern, string text) =>
        EditMatches(ctx, pattern, text, 0, ctx.Message.Length, all: false, replace: true) > 0 ? True : False;

    /// <summary><c>replace_all(re, txt)</c>: replaces every match in the message.</summary>
    [Function("replace_all", Rofb)]
    public int ReplaceAll(MessageContext ctx, string pattern, string text) =>
        EditMatches(ctx, pattern, text, 0, ctx.Message.Length, all: true, replace: true) > 0 ? True : False;

    /// <summary><c>replace_body(re, txt)</c>: replaces the first match in the body.</summary>
    [Function("replace_body", Rofb)]
    public int ReplaceBody(MessageContext ctx, string pattern, string text)
    {
        var m = ctx.Message;
        return EditMatches(ctx, pattern, text, m.BodyStart, m.BodyLength, all: false, replace: true) > 0 ? True : False;
    }

    /// <summary><c>replace_body_all(re, txt)</c> and <c>replace_body_atonce</c>: replaces every match in the body.</summary>
    [Function("replace_body_all", Rofb)]
    [Function("replace_body_atonce", Rofb)]
    public int ReplaceBodyAll(MessageContext ctx, string pattern, string text)
    {
        var m = ctx.Message;
        return EditMatches(ctx, pattern, text, m.BodyStart, m.BodyLength, all: true, replace: true) > 0 ? True : False;
    }

    /// <summary><c>replace_hdrs(re, txt)</c>: replaces the first match in the header block.</summary>
    [Function("replace_hdrs", RouteTypes.Any)]
    public int ReplaceHdrs(MessageContext ctx, string pattern, string text)
    {
        var m = ctx.Message;
        return EditMatches(ctx, pattern, text, m.HeadersStart, m.HeadersEnd - m.HeadersStart, all: false, replace: true) > 0 ? True : False;
    }

    private static int EditMatches(MessageContext ctx, string pattern, string text, int start, int length, bool all, bool replace)
    {
        var re = ScriptRegex.Get(pattern, ScriptRegex.SearchOptions);
        if (re is null || length <= 0) return 0;
        var m = ctx.Message;
        using var chars = new Latin1(m.Span.Slice(start, length));
        using var t = new Utf8Text(text);
        int n = 0;
        foreach (var vm in re.EnumerateMatches(chars.Chars))
        {
            if (replace) ctx.Editor.Replace(start + vm.Index, vm.Length, t.Bytes);
            else ctx.Editor.Insert(start + vm.Index + vm.Length, t.Bytes);
            n++;
            if (!all) break;
        }
        return n;
    }
}

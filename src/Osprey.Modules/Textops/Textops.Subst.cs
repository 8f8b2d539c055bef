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
    /// <summary><c>subst('/re/repl/flags')</c> over the whole message.</summary>
    [Function("subst", Rofb)]
    public int Subst(MessageContext ctx, string expression)
    {
        var m = ctx.Message;
        return SubstRange(ctx, expression, 0, m.Length) > 0 ? True : False;
    }

    /// <summary><c>subst_body('/re/repl/flags')</c> over the body.</summary>
    [Function("subst_body", Rofb)]
    public int SubstBody(MessageContext ctx, string expression)
    {
        var m = ctx.Message;
        if (m.BodyLength == 0) return False;
        return SubstRange(ctx, expression, m.BodyStart, m.BodyLength) > 0 ? True : False;
    }

    /// <summary><c>subst_hf(hf, '/re/repl/flags', flags)</c>: over the values of header hf (<c>a</c> all,
    /// <c>f</c> first, <c>l</c> last).</summary>
    [Function("subst_hf", Rofb)]
    public int SubstHf(MessageContext ctx, string header, string expression, string flags)
    {
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(header, stackalloc byte[128]));
        char mode = flags.Length > 0 ? flags[0] : 'a';
        int first = -1, last = -1, n = 0;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            if (first < 0) first = i;
            last = i;
            if (mode == 'a') n += SubstRange(ctx, expression, m.Header(i).Value.Start, m.Header(i).Value.Length);
        }
        int pick = mode == 'f' ? first : mode == 'l' ? last : -1;
        if (pick >= 0) n += SubstRange(ctx, expression, m.Header(pick).Value.Start, m.Header(pick).Value.Length);
        return n > 0 ? True : False;
    }

    private static int SubstRange(MessageContext ctx, string expression, int start, int length)
    {
        var se = SubstExpression.Get(expression, out _);
        if (se is null) return 0;
        var m = ctx.Message;
        // group captures need a string: the region, one char per byte
        string text = Encoding.Latin1.GetString(m.Span.Slice(start, length));
        string ruri = CurrentRequestUriLatin1(ctx);
        var sb = new StringBuilder();
        int n = 0;
        for (var match = se.Regex.Match(text); match.Success; match = match.NextMatch())
        {
            sb.Clear();
            se.AppendReplacement(sb, match, ruri);
            ReplaceLatin1(ctx, start + match.Index, match.Length, sb);
            n++;
            if (!se.Global) break;
        }
        return n;
    }

    private static void ReplaceLatin1(MessageContext ctx, int offset, int length, StringBuilder sb)
    {
        Span<byte> small = stackalloc byte[256];
        byte[]? big = sb.Length > small.Length ? new byte[sb.Length] : null;
        var dst = big ?? small[..sb.Length];
        int k = 0;
        foreach (var chunk in sb.GetChunks())
        {
            foreach (var c in chunk.Span) dst[k++] = (byte)c;
        }
        ctx.Editor.Replace(offset, length, dst);
    }

    /// <summary><c>subst_uri('/re/repl/flags')</c>: rewrites the Request-URI.</summary>
    [Function("subst_uri", Rofb)]
    public int SubstUri(MessageContext ctx, string expression)
    {
        if (!ctx.Message.IsRequest) return False;
        var se = SubstExpression.Get(expression, out _);
        if (se is null) return False;
        string ruri = CurrentRequestUriLatin1(ctx);
        var result = se.Apply(ruri, ruri);
        if (result is null) return False;
        ctx.NewRequestUri = FromLatin1(result);
        return True;
    }

    /// <summary><c>subst_user('/re/repl/flags')</c>: rewrites the user part of the Request-URI (adding one
    /// when the URI had none and the result is not empty; removing it when the result is empty).</summary>
    [Function("subst_user", Rofb)]
    public int SubstUser(MessageContext ctx, string expression)
    {
        if (!ctx.Message.IsRequest) return False;
        var se = SubstExpression.Get(expression, out _);
        if (se is null) return False;
        string ruri = CurrentRequestUriLatin1(ctx);
        int colon = ruri.IndexOf(':');
        if (colon < 0) return False;
        int at = ruri.IndexOf('@', colon + 1);
        int userStart = colon + 1;
        int userEnd = at;
        if (at < 0) userEnd = userStart;
        else if (ruri.AsSpan(userStart, at - userStart).IndexOf(':') is var pw and >= 0) userEnd = userStart + pw; // user:password@
        string user = ruri[userStart..userEnd];
        var result = se.Apply(user, ruri);
        if (result is null) return False;
        string rebuilt;
        if (at < 0) rebuilt = result.Length == 0 ? ruri : string.Concat(ruri.AsSpan(0, userStart), result, "@", ruri.AsSpan(userStart));
        else if (result.Length == 0 && userEnd == at) rebuilt = string.Concat(ruri.AsSpan(0, userStart), ruri.AsSpan(at + 1));
        else rebuilt = string.Concat(ruri.AsSpan(0, userStart), result, ruri.AsSpan(userEnd));
        ctx.NewRequestUri = FromLatin1(rebuilt);
        return True;
    }

    internal static string CurrentRequestUriLatin1(MessageContext ctx) =>
        ctx.NewRequestUri is { } nu ? Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(nu))
        : ctx.Message.IsRequest ? Encoding.Latin1.GetString(ctx.Message.RequestUriText) : "";

    private static string FromLatin1(string s) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(s));
}

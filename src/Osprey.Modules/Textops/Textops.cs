using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Sip.Multipart;
using Osprey.Sip.Text;

namespace Osprey.Modules.Textops;

/// <summary>
/// Kamailio's textops: searching and editing the message text from the script. Every edit is recorded
/// in the context's <see cref="MessageContext.Editor"/> against the received bytes and becomes visible
/// when the message is sent — or earlier, after textopsx's <c>msg_apply_changes()</c> — exactly as
/// Kamailio's lumps: a <c>search</c> after an <c>append_hf</c> does not see the new header.
/// Regular expressions are compiled once per pattern (<see cref="ScriptRegex"/>).
/// </summary>
[Module("textops")]
public sealed class Textops : ModuleBase
{
    internal const RouteTypes Rofb = RouteTypes.Request | RouteTypes.OnReply | RouteTypes.Failure | RouteTypes.Branch;
    internal const RouteTypes Rfb = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch;
    internal const int True = 1, False = -1;

    // ---- method ------------------------------------------------------------------------------

    /// <summary><c>is_method("INVITE|REGISTER")</c>: the request method (for replies, CSeq's) is one of
    /// the list. Known methods compare by id; others by name, ignoring case.</summary>
    [Function("is_method", Rofb)]
    public int IsMethod(MessageContext ctx, string methods)
    {
        var set = MethodSet.Get(methods);
        var m = ctx.Message;
        if (m.IsRequest) return set.Contains(m.Method, m.MethodText) ? True : False;
        ref readonly var cseq = ref m.CSeq;
        if (!cseq.IsValid) return False;
        return set.Contains(cseq.Method, cseq.MethodRange.Of(m.Span)) ? True : False;
    }

    // ---- headers -----------------------------------------------------------------------------

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

    // ---- search and replace ------------------------------------------------------------------

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

    // ---- sed-like substitutions --------------------------------------------------------------

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

    // ---- body --------------------------------------------------------------------------------

    /// <summary><c>has_body()</c>: the message has a non-empty body.</summary>
    [Function("has_body", Rofb)]
    public int HasBody(MessageContext ctx) => ctx.Message.BodyLength > 0 && ctx.Message.ContentLength != 0 ? True : False;

    /// <summary><c>has_body(mime)</c>: ... and its Content-Type is <paramref name="mime"/> (type/subtype, any case).</summary>
    [Function("has_body", Rofb)]
    public int HasBody(MessageContext ctx, string mime)
    {
        if (HasBody(ctx) < 0) return False;
        if (string.IsNullOrEmpty(mime) || mime == "0") return True;
        var ct = MediaType(ctx.Message.ValueOf(HeaderId.ContentType));
        var want = HeaderNameMatch.Bytes(mime, stackalloc byte[128]);
        return SipChars.EqualsIgnoreCase(ct, SipChars.Trim(want)) ? True : False;
    }

    /// <summary>type/subtype of a Content-Type value, without parameters and blanks.</summary>
    internal static ReadOnlySpan<byte> MediaType(ReadOnlySpan<byte> contentType)
    {
        int semi = contentType.IndexOf((byte)';');
        return SipChars.Trim(semi < 0 ? contentType : contentType[..semi]);
    }

    /// <summary><c>set_body(txt, content_type)</c>: replaces the body and its Content-Type.</summary>
    [Function("set_body", Rofb)]
    public int SetBody(MessageContext ctx, string body, string contentType)
    {
        var m = ctx.Message;
        for (int i = m.IndexOf(HeaderId.ContentType); i >= 0; i = m.NextIndexOf(HeaderId.ContentType, i)) ctx.Editor.RemoveHeader(i);
        var e = ctx.Editor;
        e.BeginInsert(m.HeadersEnd);
        e.Write("Content-Type: "u8);
        using (var ct = new Utf8Text(contentType)) e.Write(ct.Bytes);
        e.Write("\r\n"u8);
        e.EndInsert();
        using var b = new Utf8Text(body);
        e.ReplaceBody(b.Bytes);
        return True;
    }

    /// <summary><c>set_reply_body(txt, content_type)</c>: the body of the next locally generated reply.</summary>
    [Function("set_reply_body", Rfb)]
    public int SetReplyBody(MessageContext ctx, string body, string contentType)
    {
        if (!ctx.Message.IsRequest) return False;
        ctx.ReplyBody = body;
        ctx.ReplyContentType = contentType;
        return True;
    }

    /// <summary><c>append_to_reply(txt)</c>: header text (ending in CRLF) for the next locally generated reply
    /// (<see cref="MessageContext.ReplyHeaders"/>).</summary>
    [Function("append_to_reply", Rfb | RouteTypes.Event)]
    public int AppendToReply(MessageContext ctx, string text)
    {
        ctx.AppendReplyHeaders(text);
        return True;
    }

    /// <summary><c>append_time()</c>: a Date header (RFC 3261 §20.17, GMT) for the next local reply.</summary>
    [Function("append_time", Rfb)]
    public int AppendTime(MessageContext ctx)
    {
        Span<byte> line = stackalloc byte[64];
        ctx.AppendReplyHeaders(line[..DateLine(DateTime.UtcNow, line)]);
        return True;
    }

    /// <summary><c>append_time_to_request()</c>: a Date header appended to the message itself.</summary>
    [Function("append_time_to_request", Rofb)]
    public int AppendTimeToRequest(MessageContext ctx)
    {
        Span<byte> line = stackalloc byte[64];
        ctx.Editor.Insert(ctx.Message.HeadersEnd, line[..DateLine(DateTime.UtcNow, line)]);
        return True;
    }

    internal static int DateLine(DateTime utc, Span<byte> dst)
    {
        // "Date: Mon, 23 Nov 2026 18:30:00 GMT\r\n" (RFC 1123 date, as RFC 3261 §20.17 asks)
        Span<char> c = stackalloc char[64];
        utc.TryFormat(c, out int n, "'Date: 'ddd, dd MMM yyyy HH:mm:ss 'GMT'\r\n", CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes(c[..n], dst);
    }

    /// <summary><c>filter_body(content_type)</c>: keeps only the first part of that type of a multipart
    /// body (its content, without the part's headers).</summary>
    [Function("filter_body", Rofb)]
    public int FilterBody(MessageContext ctx, string contentType)
    {
        var m = ctx.Message;
        var ct = m.ValueOf(HeaderId.ContentType);
        if (m.BodyLength == 0 || !MultipartBody.IsMultipart(ct)) return False;
        if (!MultipartBody.TryGetBoundary(ct, out var boundary, out _)) return False;
        var body = m.Body;
        var want = SipChars.Trim(HeaderNameMatch.Bytes(contentType, stackalloc byte[128]));
        var reader = new MultipartReader(body, boundary);
        while (reader.TryReadNext(out var part))
        {
            if (!part.TryGetContentType(body, out var pct) || !SipChars.EqualsIgnoreCase(MediaType(pct), want)) continue;
            ctx.Editor.ReplaceBody(body[part.Body]);
            return True;
        }
        return False;
    }

    /// <summary><c>append_body_part(txt, content_type)</c>.</summary>
    [Function("append_body_part", Rfb)]
    public int AppendBodyPart(MessageContext ctx, string text, string contentType) => AppendBodyPart(ctx, text, contentType, null);

    /// <summary><c>append_body_part(txt, content_type, content_disposition)</c>: adds a part at the end of a
    /// multipart body, with the message's boundary, just before the closing delimiter (as Kamailio 5.6
    /// does; a body that is not multipart is refused — false — as there). The part is an insert into the
    /// received body, so several calls add several parts even without <c>msg_apply_changes()</c>;
    /// Content-Length follows.</summary>
    [Function("append_body_part", Rfb)]
    public int AppendBodyPart(MessageContext ctx, string text, string contentType, string? disposition)
    {
        var m = ctx.Message;
        var ct = m.ValueOf(HeaderId.ContentType);
        if (m.BodyLength == 0 || !MultipartBody.IsMultipart(ct) || !MultipartBody.TryGetBoundary(ct, out var boundary, out _)) return False;
        var body = m.Body;
        // the closing delimiter "--boundary--" (RFC 2046 §5.1.1): the new part goes in front of it
        Span<byte> close = stackalloc byte[boundary.Length + 4];
        "--"u8.CopyTo(close);
        boundary.CopyTo(close[2..]);
        "--"u8.CopyTo(close[(2 + boundary.Length)..]);
        int at = body.LastIndexOf(close);
        if (at < 0) return False;
        var e = ctx.Editor;
        e.BeginInsert(m.BodyStart + at);
        e.Write("--"u8);
        e.Write(boundary);
        e.Write("\r\nContent-Type: "u8);
        using (var t = new Utf8Text(contentType)) e.Write(t.Bytes);
        e.Write("\r\n"u8);
        if (!string.IsNullOrEmpty(disposition))
        {
            e.Write("Content-Disposition: "u8);
            using var d = new Utf8Text(disposition);
            e.Write(d.Bytes);
            e.Write("\r\n"u8);
        }
        e.Write("\r\n"u8);
        using (var t = new Utf8Text(text)) e.Write(t.Bytes);
        e.Write("\r\n"u8);
        e.EndInsert();
        return True;
    }

    // ---- string helpers ----------------------------------------------------------------------

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

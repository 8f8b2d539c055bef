using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Textops;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Transport;
using static Osprey.Modules.Textops.Textops;

namespace Osprey.Modules.Textopsx;

/// <summary>
/// Kamailio's textopsx: applying the recorded edits to the message in the middle of the script,
/// rewriting a reply's status, and header-value helpers.
/// </summary>
[Module("textopsx")]
public sealed class Textopsx : ModuleBase
{
    /// <summary>
    /// <c>msg_apply_changes()</c>: applies the edits recorded so far and continues with the result as the
    /// message, so later functions (<c>search</c>, <c>is_present_hf</c>) see the added headers. Returns
    /// true on success; when the new text no longer parses as SIP, returns 0 (stops the script) as
    /// Kamailio does — the message can no longer be processed.
    /// </summary>
    [Function("msg_apply_changes", RouteTypes.Request | RouteTypes.CoreReply)]
    public int MsgApplyChanges(MessageContext ctx)
    {
        // the new Request-URI ($ru) goes into the new text as well, as in Kamailio 5.6 (observed: after
        // msg_apply_changes the first line carries it and $ou is the new URI)
        bool newRuri = ctx.NewRequestUri is not null && ctx.Message.IsRequest;
        if (newRuri)
        {
            using var u = new Utf8Text(ctx.NewRequestUri!);
            ctx.Editor.SetRequestUri(u.Bytes);
        }
        if (ctx.Editor.EditCount == 0) return True;
        var framing = ctx.Protocol.IsReliable() ? Framing.Stream : Framing.Datagram;
        byte[] copy;
        using (var bytes = ctx.Editor.Apply(ensureContentLength: framing == Framing.Stream)) copy = bytes.Span.ToArray();
        var msg = SipMessage.Parse(copy, framing, out var err);
        if (msg is null || err.IsError || (err = msg.Validate()).IsError) return 0;
        ctx.ReplaceMessage(msg);
        if (newRuri) ctx.NewRequestUri = null;
        return True;
    }

    /// <summary><c>change_reply_status(code, reason)</c>: rewrites the status line of the reply being
    /// processed before it is forwarded. As in Kamailio 5.6 (observed), the class of a provisional or
    /// positive reply cannot change (1xx stays 1xx, 2xx stays 2xx — the transaction and ACK rules of
    /// RFC 3261 §17 depend on it) and a negative final reply stays negative (3xx-6xx); other changes are
    /// refused (false).</summary>
    [Function("change_reply_status", RouteTypes.OnReply | RouteTypes.CoreReply)]
    public int ChangeReplyStatus(MessageContext ctx, int code, string reason)
    {
        var m = ctx.Message;
        if (m.IsRequest || code < 100 || code > 699) return False;
        int old = m.StatusCode;
        if ((old < 200) != (code < 200)) return False;
        if ((old / 100 == 2) != (code / 100 == 2)) return False;
        var s = m.Span;
        int sp = s.IndexOf((byte)' ');
        if (sp < 0) return False;
        int codeStart = sp + 1;
        int end = m.ReasonRange.Length > 0 ? m.ReasonRange.End : codeStart + 3;
        Span<byte> line = stackalloc byte[4 + System.Text.Encoding.UTF8.GetMaxByteCount(Math.Min(reason.Length, 200))];
        line[0] = (byte)('0' + code / 100);
        line[1] = (byte)('0' + code / 10 % 10);
        line[2] = (byte)('0' + code % 10);
        line[3] = (byte)' ';
        int n = System.Text.Encoding.UTF8.GetBytes(reason.AsSpan(0, Math.Min(reason.Length, 200)), line[4..]);
        ctx.Editor.Replace(codeStart, end - codeStart, line[..(4 + n)]);
        return True;
    }

    /// <summary><c>change_reply_status_code(code)</c>: as <see cref="ChangeReplyStatus"/>, keeping the reason phrase.</summary>
    [Function("change_reply_status_code", RouteTypes.OnReply | RouteTypes.CoreReply)]
    public int ChangeReplyStatusCode(MessageContext ctx, int code)
    {
        var m = ctx.Message;
        if (m.IsRequest) return False;
        return ChangeReplyStatus(ctx, code, System.Text.Encoding.UTF8.GetString(m.Reason));
    }

    /// <summary><c>remove_body()</c>: removes the body (Content-Length becomes 0).</summary>
    [Function("remove_body", RouteTypes.Any)]
    public int RemoveBody(MessageContext ctx)
    {
        if (ctx.Message.BodyLength == 0) return False;
        ctx.Editor.ReplaceBody(default);
        return True;
    }

    /// <summary><c>keep_hf()</c>: removes every header except the ones a SIP message needs.</summary>
    [Function("keep_hf", RouteTypes.Any)]
    public int KeepHf(MessageContext ctx) => KeepHf(ctx, null);

    /// <summary><c>keep_hf(re)</c>: removes every header whose name does not match the expression, except
    /// Via, From, To, Call-ID, CSeq, Content-Length, Content-Type, Max-Forwards, Contact, Route and
    /// Record-Route, which are always kept.</summary>
    [Function("keep_hf", RouteTypes.Any)]
    public int KeepHf(MessageContext ctx, string? pattern)
    {
        var re = string.IsNullOrEmpty(pattern) ? null : ScriptRegex.Get(pattern, ScriptRegex.SearchOptions);
        if (!string.IsNullOrEmpty(pattern) && re is null) return False;
        var m = ctx.Message;
        Span<char> name = stackalloc char[256];
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (AlwaysKept(m.Header(i).Id)) continue;
            if (re is not null && re.IsMatch(NameChars(m, i, name))) continue;
            ctx.Editor.RemoveHeader(i);
        }
        return True;
    }

    private static bool AlwaysKept(HeaderId id) => id is HeaderId.Via or HeaderId.From or HeaderId.To or HeaderId.CallId
        or HeaderId.CSeq or HeaderId.ContentLength or HeaderId.ContentType or HeaderId.MaxForwards or HeaderId.Contact
        or HeaderId.Route or HeaderId.RecordRoute;

    /// <summary><c>hf_value_exists(hf, value)</c>: one of the comma-separated values of header hf
    /// (underscores in the name read as dashes) equals value, ignoring case.</summary>
    [Function("hf_value_exists", RouteTypes.Any)]
    public int HfValueExists(MessageContext ctx, string header, string value)
    {
        Span<byte> nb = stackalloc byte[128];
        var nameBytes = HeaderNameMatch.Bytes(header, nb);
        for (int k = 0; k < nameBytes.Length; k++)
        {
            if (nb[k] == (byte)'_') nb[k] = (byte)'-';
        }
        var match = new HeaderNameMatch(nb[..nameBytes.Length]);
        var want = SipChars.Trim(HeaderNameMatch.Bytes(value, stackalloc byte[256]));
        var m = ctx.Message;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            var v = m.ValueAt(i);
            foreach (var r in v.Split((byte)','))
            {
                if (SipChars.EqualsIgnoreCase(SipChars.Trim(v[r]), want)) return True;
            }
        }
        return False;
    }

    /// <summary><c>include_hf_value(hf, value)</c>: adds the value to the first header of that name unless
    /// some header of that name already lists it; adds the header when there is none. Written as
    /// Kamailio 5.6 writes it (observed): <c>Supported: 100rel, timer,path</c>.</summary>
    [Function("include_hf_value", RouteTypes.Any)]
    public int IncludeHfValue(MessageContext ctx, string header, string value)
    {
        if (HfValueExists(ctx, header, value) > 0) return True;
        var m = ctx.Message;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(header, stackalloc byte[128]));
        using var v = new Utf8Text(value);
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            var e = ctx.Editor;
            e.BeginInsert(m.Header(i).Value.End);
            if (m.Header(i).Value.Length > 0) e.Write((byte)',');
            e.Write(v.Bytes);
            e.EndInsert();
            return True;
        }
        using var h = new Utf8Text(header);
        var ed = ctx.Editor;
        ed.BeginInsert(m.HeadersEnd);
        ed.Write(h.Bytes);
        ed.Write(": "u8);
        ed.Write(v.Bytes);
        ed.Write("\r\n"u8);
        ed.EndInsert();
        return True;
    }

    /// <summary><c>exclude_hf_value(hf, value)</c>: removes the value (with the separator before it, or after
    /// it when it is first) from every header of that name; a header left empty stays, empty, as in
    /// Kamailio 5.6 (observed).</summary>
    [Function("exclude_hf_value", RouteTypes.Any)]
    public int ExcludeHfValue(MessageContext ctx, string header, string value)
    {
        var m = ctx.Message;
        var s = m.Span;
        var match = new HeaderNameMatch(HeaderNameMatch.Bytes(header, stackalloc byte[128]));
        var want = SipChars.Trim(HeaderNameMatch.Bytes(value, stackalloc byte[256]));
        int n = 0;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            if (!match.Matches(m, i)) continue;
            var range = m.Header(i).Value;
            var v = range.Of(s);
            int prevEnd = -1; // end of the previous item (offset in v), -1 before the first
            int pos = 0;
            while (pos <= v.Length)
            {
                int comma = v[pos..].IndexOf((byte)',');
                int end = comma < 0 ? v.Length : pos + comma;
                var item = SipChars.Trim(v[pos..end]);
                if (SipChars.EqualsIgnoreCase(item, want))
                {
                    int from, to;
                    if (prevEnd >= 0) { from = prevEnd; to = pos + SipChars.RangeOf(v[pos..end], item).End; }
                    else { from = 0; to = comma < 0 ? v.Length : end + 1; }
                    ctx.Editor.Delete(range.Start + from, to - from);
                    n++;
                }
                prevEnd = pos + (item.IsEmpty ? 0 : SipChars.RangeOf(v[pos..end], item).End);
                if (comma < 0) break;
                pos = end + 1;
            }
        }
        return n > 0 ? True : False;
    }
}

using System.Text;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Headers;

/// <summary>
/// A name-addr or addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39): the value of
/// From, To, Contact, Route, Record-Route, Path, Refer-To and their kin. In the addr-spec form (no
/// angle brackets) everything after the first ';' is a header parameter, never a URI parameter (§20).
/// </summary>
public readonly struct NameAddr
{
    private readonly ReadOnlyMemory<byte> _buf;

    private NameAddr(ReadOnlyMemory<byte> buf, TextRange whole, TextRange display, TextRange uriRange, SipUri uri, TextRange prms, TextRange tag, bool star, bool angle)
    {
        _buf = buf;
        Range = whole;
        DisplayNameRange = display;
        UriRange = uriRange;
        Uri = uri;
        ParamsRange = prms;
        TagRange = tag;
        IsStar = star;
        HasAngleBrackets = angle;
    }

    public bool IsValid => Range.Length > 0;
    public TextRange Range { get; }

    /// <summary>Display name as written (quotes kept).</summary>
    public TextRange DisplayNameRange { get; }
    public TextRange UriRange { get; }
    public SipUri Uri { get; }
    public TextRange ParamsRange { get; }
    public TextRange TagRange { get; }

    /// <summary>Contact: * (RFC 3261 §10.2.2 remove all bindings).</summary>
    public bool IsStar { get; }
    public bool HasAngleBrackets { get; }

    public ReadOnlySpan<byte> DisplayName => DisplayNameRange.Of(_buf.Span);
    public ReadOnlySpan<byte> UriText => UriRange.Of(_buf.Span);
    public ReadOnlySpan<byte> Parameters => ParamsRange.Of(_buf.Span);
    public ReadOnlySpan<byte> Tag => TagRange.Of(_buf.Span);
    public bool HasTag => TagRange.Length > 0;

    public bool TryGetParam(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => Params.TryGet(Parameters, name, out value);

    public string TagString => Encoding.UTF8.GetString(Tag);
    public string UriString => Encoding.UTF8.GetString(UriText);
    public override string ToString() => Encoding.UTF8.GetString(Range.Of(_buf.Span));

    /// <summary>Parses one element occupying <paramref name="value"/> of <paramref name="buf"/>.
    /// Liberal where RFC 4475 asks it to be: unquoted display names with non-token characters
    /// (§3.1.2.15) and whitespace just inside the angle brackets (§3.1.2.14) are accepted.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> buf, TextRange value, out NameAddr result, out string reason, bool allowStar = false)
    {
        result = default;
        var s = buf.Span;
        var v = SipChars.Trim(s, value);
        int i = v.Start, end = v.End;
        if (v.Length == 0) { reason = "empty address"; return false; }
        if (allowStar && v.Length == 1 && s[i] == (byte)'*')
        {
            result = new NameAddr(buf, v, default, default, default, default, default, star: true, angle: false);
            reason = "";
            return true;
        }
        TextRange display = default, uriRange;
        bool angle;
        int after;
        if (s[i] == (byte)'"')
        {
            int close = SipChars.EndOfQuoted(s[..end], i);
            if (close < 0) { reason = "unterminated quoted display name"; return false; }
            display = new TextRange(i, close - i + 1);
            i = SipChars.SkipWs(s[..end], close + 1);
            if (i >= end || s[i] != (byte)'<') { reason = "display name without <URI>"; return false; }
        }
        int lt = s[i..end].IndexOf((byte)'<');
        if (lt >= 0)
        {
            lt += i;
            if (display.Length == 0 && lt > i) display = SipChars.Trim(s, new TextRange(i, lt - i));
            int gt = s[lt..end].IndexOf((byte)'>');
            if (gt < 0) { reason = "missing '>' in address"; return false; }
            gt += lt;
            uriRange = SipChars.Trim(s, new TextRange(lt + 1, gt - lt - 1));
            angle = true;
            after = gt + 1;
        }
        else
        {
            // addr-spec: the URI ends at the first ';' (header parameters follow) or whitespace
            int st = i;
            while (i < end && s[i] != (byte)';' && !SipChars.IsWs(s[i])) i++;
            uriRange = new TextRange(st, i - st);
            angle = false;
            after = i;
        }
        if (!SipUri.TryParse(buf.Slice(uriRange.Start, uriRange.Length), out var uri, out var why))
        {
            reason = why;
            return false;
        }
        after = SipChars.SkipWs(s[..end], after);
        TextRange prms = default, tag = default;
        if (after < end)
        {
            if (s[after] != (byte)';') { reason = "unexpected text after address"; return false; }
            prms = new TextRange(after + 1, end - after - 1);
            var e = new Params.Enumerator(prms.Of(s));
            while (e.MoveNext())
            {
                if (e.Name.IsEmpty || e.Malformed) { reason = "bad header parameter"; return false; }
                if (SipChars.EqualsIgnoreCase(e.Name, "tag"u8)) tag = SipChars.RangeOf(s, e.Value);
            }
        }
        result = new NameAddr(buf, v, display, uriRange, uri, prms, tag, star: false, angle: angle);
        reason = "";
        return true;
    }
}

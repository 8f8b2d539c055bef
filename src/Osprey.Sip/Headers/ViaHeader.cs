using System.Text;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Headers;

/// <summary>
/// One via-parm (RFC 3261 §20.42, RFC 3581 rport): sent-protocol, sent-by and parameters. Ranges point
/// into the message buffer; nothing is copied.
/// </summary>
public readonly struct ViaHeader
{
    private readonly ReadOnlyMemory<byte> _buf;

    private ViaHeader(ReadOnlyMemory<byte> buf, TextRange whole, TextRange transport, TextRange host, HostKind hostKind, int port,
        TextRange parameters, TextRange branch, TextRange received, TextRange rport, bool hasRport, TextRange maddr, TextRange ttl,
        TextRange rportParam)
    {
        RportParamRange = rportParam;
        _buf = buf;
        Range = whole;
        TransportRange = transport;
        HostRange = host;
        HostKind = hostKind;
        Port = port;
        ParamsRange = parameters;
        BranchRange = branch;
        ReceivedRange = received;
        RportRange = rport;
        HasRport = hasRport;
        MaddrRange = maddr;
        TtlRange = ttl;
    }

    public bool IsValid => Range.Length > 0;

    /// <summary>The whole via-parm.</summary>
    public TextRange Range { get; }
    public TextRange TransportRange { get; }
    public TextRange HostRange { get; }
    public HostKind HostKind { get; }

    /// <summary>sent-by port, 0 when absent.</summary>
    public int Port { get; }
    public TextRange ParamsRange { get; }
    public TextRange BranchRange { get; }
    public TextRange ReceivedRange { get; }
    public TextRange RportRange { get; }
    public bool HasRport { get; }

    /// <summary>The whole "rport[=value]" parameter, to rewrite it in replies (RFC 3581 §4).</summary>
    public TextRange RportParamRange { get; }
    public TextRange MaddrRange { get; }
    public TextRange TtlRange { get; }

    public ReadOnlySpan<byte> Transport => TransportRange.Of(_buf.Span);

    /// <summary>sent-by host as written (IPv6 with brackets).</summary>
    public ReadOnlySpan<byte> Host => HostRange.Of(_buf.Span);
    public ReadOnlySpan<byte> Branch => BranchRange.Of(_buf.Span);
    public bool HasBranch => BranchRange.Length > 0;
    public ReadOnlySpan<byte> Received => ReceivedRange.Of(_buf.Span);

    /// <summary>rport value, empty when rport was sent without value.</summary>
    public ReadOnlySpan<byte> Rport => RportRange.Of(_buf.Span);
    public ReadOnlySpan<byte> Maddr => MaddrRange.Of(_buf.Span);
    public ReadOnlySpan<byte> Ttl => TtlRange.Of(_buf.Span);
    public ReadOnlySpan<byte> Parameters => ParamsRange.Of(_buf.Span);

    /// <summary>RFC 3261 §8.1.1.7: a branch starting with the magic cookie marks an RFC 3261 transaction id.</summary>
    public bool HasMagicCookie => Branch.Length > 7 && Branch.StartsWith("z9hG4bK"u8);

    public bool TryGetParam(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => Params.TryGet(Parameters, name, out value);

    public string BranchString => Encoding.ASCII.GetString(Branch);
    public string HostString => Encoding.ASCII.GetString(Host);
    public override string ToString() => Encoding.UTF8.GetString(Range.Of(_buf.Span));

    /// <summary>Parses one via-parm occupying <paramref name="value"/> of <paramref name="buf"/>.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> buf, TextRange value, out ViaHeader via, out string reason)
    {
        via = default;
        var s = buf.Span;
        int end = value.End;
        int i = SipChars.SkipWs(s[..end], value.Start);
        if (!Token(s, ref i, end, out _) || !Slash(s, ref i, end) || !Token(s, ref i, end, out _) || !Slash(s, ref i, end)
            || !Token(s, ref i, end, out var transport))
        {
            reason = "bad sent-protocol in Via";
            return false;
        }
        int beforeWs = i;
        i = SipChars.SkipWs(s[..end], i);
        if (i == beforeWs || i >= end) { reason = "missing sent-by in Via"; return false; }
        int hs = i;
        HostKind kind;
        if (s[i] == (byte)'[')
        {
            int close = s[i..end].IndexOf((byte)']');
            if (close < 0) { reason = "bad IPv6 sent-by in Via"; return false; }
            i += close + 1;
            kind = HostKind.IPv6;
            if (!SipUri.IsIPv6(s[(hs + 1)..(i - 1)])) { reason = "bad IPv6 sent-by in Via"; return false; }
        }
        else
        {
            while (i < end && s[i] != (byte)':' && s[i] != (byte)';' && !SipChars.IsWs(s[i])) i++;
            kind = SipUri.ClassifyHost(s[hs..i]);
            if (kind == HostKind.None) { reason = "bad sent-by host in Via"; return false; }
        }
        var host = new TextRange(hs, i - hs);
        i = SipChars.SkipWs(s[..end], i);
        int port = 0;
        if (i < end && s[i] == (byte)':')
        {
            i = SipChars.SkipWs(s[..end], i + 1);
            int ps = i;
            while (i < end && SipChars.IsDigit(s[i])) i++;
            if (i == ps || !SipChars.TryParseInt(s[ps..i], out port) || port == 0 || port > 65535)
            {
                reason = "bad sent-by port in Via";
                return false;
            }
            i = SipChars.SkipWs(s[..end], i);
        }
        TextRange prms = default, branch = default, received = default, rport = default, maddr = default, ttl = default;
        bool hasRport = false;
        TextRange rportParam = default;
        if (i < end)
        {
            if (s[i] != (byte)';') { reason = "unexpected text after Via sent-by"; return false; }
            int ps = i + 1;
            prms = new TextRange(ps, end - ps);
            var e = new Params.Enumerator(prms.Of(s));
            while (e.MoveNext())
            {
                if (e.Name.IsEmpty || e.Malformed) { reason = "bad Via parameter"; return false; }
                var abs = SipChars.RangeOf(s, e.Value);
                if (SipChars.EqualsIgnoreCase(e.Name, "branch"u8))
                {
                    if (!e.HasValue) { reason = "empty Via branch"; return false; }
                    branch = abs;
                }
                else if (SipChars.EqualsIgnoreCase(e.Name, "received"u8)) received = abs;
                else if (SipChars.EqualsIgnoreCase(e.Name, "rport"u8))
                {
                    hasRport = true;
                    rport = e.HasValue ? abs : default;
                    rportParam = SipChars.Trim(s, new TextRange(ps + e.SegmentStart, e.SegmentEnd - e.SegmentStart));
                    if (e.HasValue && (!SipChars.TryParseInt(e.Value, out var rp) || rp > 65535)) { reason = "bad Via rport"; return false; }
                }
                else if (SipChars.EqualsIgnoreCase(e.Name, "maddr"u8)) maddr = abs;
                else if (SipChars.EqualsIgnoreCase(e.Name, "ttl"u8)) ttl = abs;
            }
        }
        via = new ViaHeader(buf, value, transport, host, kind, port, prms, branch, received, rport, hasRport, maddr, ttl, rportParam);
        reason = "";
        return true;
    }

    private static bool Token(ReadOnlySpan<byte> s, ref int i, int end, out TextRange r)
    {
        i = SipChars.SkipWs(s[..end], i);
        int st = i;
        while (i < end && SipChars.IsToken(s[i])) i++;
        r = new TextRange(st, i - st);
        return i > st;
    }

    private static bool Slash(ReadOnlySpan<byte> s, ref int i, int end)
    {
        i = SipChars.SkipWs(s[..end], i);
        if (i >= end || s[i] != (byte)'/') return false;
        i++;
        return true;
    }
}

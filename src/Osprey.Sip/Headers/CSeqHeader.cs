using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Sip.Headers;

/// <summary>CSeq: a 32-bit sequence number and a method (RFC 3261 §20.16).</summary>
public readonly struct CSeqHeader
{
    public CSeqHeader(uint number, SipMethod method, TextRange methodRange)
    {
        Number = number;
        Method = method;
        MethodRange = methodRange;
        IsValid = true;
    }

    public bool IsValid { get; }
    public uint Number { get; }
    public SipMethod Method { get; }
    public TextRange MethodRange { get; }

    public static bool TryParse(ReadOnlySpan<byte> s, TextRange value, out CSeqHeader cseq, out string reason)
    {
        cseq = default;
        int i = value.Start, end = value.End;
        int ns = i;
        while (i < end && SipChars.IsDigit(s[i])) i++;
        // RFC 3261 §8.1.1.5: the number must be expressible as a 32-bit unsigned integer
        if (i == ns || !SipChars.TryParseUInt(s[ns..i], uint.MaxValue, out var n)) { reason = "CSeq number is illegal"; return false; }
        int ws = i;
        i = SipChars.SkipWs(s[..end], i);
        if (i == ws) { reason = "bad CSeq header"; return false; }
        int ms = i;
        while (i < end && SipChars.IsToken(s[i])) i++;
        if (i == ms || i != end) { reason = "bad CSeq method"; return false; }
        var mr = new TextRange(ms, i - ms);
        cseq = new CSeqHeader((uint)n, SipMethods.Parse(mr.Of(s)), mr);
        reason = "";
        return true;
    }
}

using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Sip.Headers;

/// <summary>
/// A token followed by parameters: Event (RFC 6665 §8.2.1: event-type with id and other params),
/// Subscription-State (substate-value with expires, reason, retry-after), Retry-After (delta-seconds,
/// optional comment, params). The value's first element is the token; <see cref="Parameters"/> the rest.
/// </summary>
public readonly ref struct TokenWithParams
{
    private TokenWithParams(ReadOnlySpan<byte> token, ReadOnlySpan<byte> comment, ReadOnlySpan<byte> parameters)
    {
        Token = token;
        Comment = comment;
        Parameters = parameters;
    }

    public ReadOnlySpan<byte> Token { get; }

    /// <summary>Retry-After's "(comment)", without parentheses; empty elsewhere.</summary>
    public ReadOnlySpan<byte> Comment { get; }
    public ReadOnlySpan<byte> Parameters { get; }

    public bool TryGetParam(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => Params.TryGet(Parameters, name, out value);

    /// <summary>A numeric parameter (Subscription-State expires, retry-after, Retry-After duration); -1 when absent or bad.</summary>
    public long NumericParam(ReadOnlySpan<byte> name) =>
        TryGetParam(name, out var v) && SipChars.TryParseUInt(v, uint.MaxValue, out var n) ? (long)n : -1;

    public static bool TryParse(ReadOnlySpan<byte> value, out TokenWithParams result)
    {
        result = default;
        var v = SipChars.Trim(value);
        int i = 0;
        // event-type tokens may contain '.' (template packages: "presence.winfo"); plain tokens cover it
        while (i < v.Length && SipChars.IsToken(v[i])) i++;
        if (i == 0) return false;
        var token = v[..i];
        int j = SipChars.SkipWs(v, i);
        ReadOnlySpan<byte> comment = default;
        if (j < v.Length && v[j] == (byte)'(')
        {
            int close = v[j..].IndexOf((byte)')');
            if (close < 0) return false;
            comment = v[(j + 1)..(j + close)];
            j = SipChars.SkipWs(v, j + close + 1);
        }
        ReadOnlySpan<byte> prms = default;
        if (j < v.Length)
        {
            if (v[j] != (byte)';') return false;
            prms = v[(j + 1)..];
            if (!Params.Validate(prms)) return false;
        }
        result = new TokenWithParams(token, comment, prms);
        return true;
    }
}

using Osprey.Sip.Text;

namespace Osprey.Sip.Uri;

/// <summary>RFC 3261 §19.1.4 URI comparison.</summary>
internal static class UriComparer
{
    public static bool Equivalent(in SipUri a, in SipUri b)
    {
        if (a.Scheme != b.Scheme || a.Scheme == UriScheme.None) return false;
        if (a.Scheme == UriScheme.Other)
        {
            return SipChars.EqualsIgnoreCase(a.Raw, b.Raw);
        }
        if (a.Scheme == UriScheme.Tel)
        {
            // RFC 3966 §4: compare the number ignoring visual separators; parameters must match.
            return TelNumberEquals(a.User, b.User) && ParamsEqualAll(a.Parameters, b.Parameters);
        }
        // user and password: case-sensitive, escapes decoded (§19.1.4 bullets 2 and 3)
        if (!EscapedEquals(a.User, b.User, ignoreCase: false)) return false;
        if (!EscapedEquals(a.Password, b.Password, ignoreCase: false)) return false;
        if (!EscapedEquals(a.Host, b.Host, ignoreCase: true)) return false;
        // a URI with an explicit port never equals one without, even the default (§19.1.4)
        if (a.Port != b.Port) return false;
        if (!ParamsEquivalent(a.Parameters, b.Parameters)) return false;
        return HeadersEquivalent(a.Headers, b.Headers);
    }

    // user, ttl, method, maddr and transport must match when either side has them; other parameters
    // are compared only when both sides carry them.
    private static bool ParamsEquivalent(ReadOnlySpan<byte> pa, ReadOnlySpan<byte> pb)
    {
        var e = new Params.Enumerator(pa);
        while (e.MoveNext())
        {
            bool inB = Params.TryGet(pb, e.Name, out var vb);
            if (inB)
            {
                if (!EscapedEquals(e.Value, vb, ignoreCase: true)) return false;
            }
            else if (IsSignificant(e.Name)) return false;
        }
        var f = new Params.Enumerator(pb);
        while (f.MoveNext())
        {
            if (IsSignificant(f.Name) && !Params.TryGet(pa, f.Name, out _)) return false;
        }
        return true;
    }

    private static bool IsSignificant(ReadOnlySpan<byte> name) =>
        SipChars.EqualsIgnoreCase(name, "user"u8) || SipChars.EqualsIgnoreCase(name, "ttl"u8)
        || SipChars.EqualsIgnoreCase(name, "method"u8) || SipChars.EqualsIgnoreCase(name, "maddr"u8)
        || SipChars.EqualsIgnoreCase(name, "transport"u8);

    private static bool ParamsEqualAll(ReadOnlySpan<byte> pa, ReadOnlySpan<byte> pb)
    {
        int na = 0, nb = 0;
        var e = new Params.Enumerator(pa);
        while (e.MoveNext())
        {
            na++;
            if (!Params.TryGet(pb, e.Name, out var vb) || !EscapedEquals(e.Value, vb, ignoreCase: true)) return false;
        }
        var f = new Params.Enumerator(pb);
        while (f.MoveNext()) nb++;
        return na == nb;
    }

    // URI headers are never ignored: each present in one must be present in the other (§19.1.4).
    private static bool HeadersEquivalent(ReadOnlySpan<byte> ha, ReadOnlySpan<byte> hb)
    {
        if (ha.IsEmpty && hb.IsEmpty) return true;
        return CountAndMatch(ha, hb) && CountAndMatch(hb, ha);
    }

    private static bool CountAndMatch(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        foreach (var range in x.Split((byte)'&'))
        {
            var item = x[range];
            int eq = item.IndexOf((byte)'=');
            var name = eq < 0 ? item : item[..eq];
            var value = eq < 0 ? default : item[(eq + 1)..];
            bool found = false;
            foreach (var r2 in y.Split((byte)'&'))
            {
                var other = y[r2];
                int eq2 = other.IndexOf((byte)'=');
                var n2 = eq2 < 0 ? other : other[..eq2];
                if (!EscapedEquals(name, n2, ignoreCase: true)) continue;
                if (EscapedEquals(value, eq2 < 0 ? default : other[(eq2 + 1)..], ignoreCase: false)) { found = true; break; }
            }
            if (!found) return false;
        }
        return true;
    }

    /// <summary>Compares two strings after decoding %HH escapes.</summary>
    internal static bool EscapedEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, bool ignoreCase)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            int ca = Next(a, ref i), cb = Next(b, ref j);
            if (ca == cb) continue;
            if (ignoreCase && ca < 128 && cb < 128 && (ca | 0x20) == (cb | 0x20) && SipChars.IsAlpha((byte)ca)) continue;
            return false;
        }
        return i == a.Length && j == b.Length;
    }

    private static int Next(ReadOnlySpan<byte> s, ref int i)
    {
        if (s[i] == (byte)'%')
        {
            int v = SipChars.Unhex(s, i);
            if (v >= 0) { i += 3; return v; }
        }
        return s[i++];
    }

    private static bool TelNumberEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && IsVisualSeparator(a[i])) i++;
            while (j < b.Length && IsVisualSeparator(b[j])) j++;
            if (i == a.Length || j == b.Length) return i == a.Length && j == b.Length;
            if ((a[i] | 0x20) != (b[j] | 0x20)) return false;
            i++;
            j++;
        }
    }

    private static bool IsVisualSeparator(byte c) => c is (byte)'-' or (byte)'.' or (byte)'(' or (byte)')';
}

using Osprey.Sip.Text;

namespace Osprey.Sip.Headers;

/// <summary>
/// Comma-separated token lists: Supported, Require, Proxy-Require, Unsupported (option-tags, RFC 3261
/// §20.37), Allow (methods, §20.5), Allow-Events. Tokens compare case-insensitively for option tags;
/// methods are case-sensitive, so <see cref="ContainsMethod"/> compares exactly.
/// </summary>
public static class TokenList
{
    /// <summary>True when the list contains <paramref name="token"/> (ASCII case-insensitive).</summary>
    public static bool Contains(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var r in list.Split((byte)','))
        {
            if (SipChars.EqualsIgnoreCase(SipChars.Trim(list[r]), token)) return true;
        }
        return false;
    }

    /// <summary>Exact comparison, for method names (RFC 3261 §7.1: case-sensitive).</summary>
    public static bool ContainsMethod(ReadOnlySpan<byte> list, ReadOnlySpan<byte> method)
    {
        foreach (var r in list.Split((byte)','))
        {
            if (SipChars.Trim(list[r]).SequenceEqual(method)) return true;
        }
        return false;
    }

    /// <summary>True when every element is a token (empty elements are tolerated, as "a, ,b" is seen in the wild).</summary>
    public static bool IsValid(ReadOnlySpan<byte> list)
    {
        foreach (var r in list.Split((byte)','))
        {
            var t = SipChars.Trim(list[r]);
            if (!t.IsEmpty && !SipChars.IsToken(t)) return false;
        }
        return true;
    }
}

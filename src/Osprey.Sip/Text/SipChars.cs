using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Osprey.Sip.Text;

/// <summary>Character classes of the RFC 3261 §25 grammar, and small span helpers.</summary>
public static class SipChars
{
    // token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
    private static readonly SearchValues<byte> TokenChars = SearchValues.Create(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"u8);

    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsToken(byte c) => TokenChars.Contains(c);

    public static bool IsToken(ReadOnlySpan<byte> s) => s.Length > 0 && !s.ContainsAnyExcept(TokenChars);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWs(byte c) => c == (byte)' ' || c == (byte)'\t' || c == (byte)'\r' || c == (byte)'\n';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsDigit(byte c) => (uint)(c - '0') <= 9;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAlpha(byte c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    /// <summary>The UTF-8 bytes of <paramref name="s"/>, written into <paramref name="scratch"/> when they
    /// fit (nothing allocated), in a new array otherwise.</summary>
    public static ReadOnlySpan<byte> Utf8(string s, Span<byte> scratch) =>
        System.Text.Encoding.UTF8.GetMaxByteCount(s.Length) <= scratch.Length
            ? scratch[..System.Text.Encoding.UTF8.GetBytes(s, scratch)]
            : System.Text.Encoding.UTF8.GetBytes(s);

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsWs(s[a])) a++;
        while (b > a && IsWs(s[b - 1])) b--;
        return s[a..b];
    }

    /// <summary>Trims whitespace (including folded line ends) from both ends of a range.</summary>
    public static TextRange Trim(ReadOnlySpan<byte> buffer, TextRange r)
    {
        int a = r.Start, b = r.End;
        while (a < b && IsWs(buffer[a])) a++;
        while (b > a && IsWs(buffer[b - 1])) b--;
        return new TextRange(a, b - a);
    }

    public static int SkipWs(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && IsWs(s[i])) i++;
        return i;
    }

    public static bool ContainsWs(ReadOnlySpan<byte> s) => s.IndexOfAny(Whitespace) >= 0;

    /// <summary>ASCII case-insensitive equality.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        System.Text.Ascii.EqualsIgnoreCase(a, b);

    /// <summary>Parses an unsigned decimal number; false on empty, non-digits or overflow of <paramref name="max"/>.</summary>
    public static bool TryParseUInt(ReadOnlySpan<byte> s, ulong max, out ulong value)
    {
        value = 0;
        if (s.IsEmpty) return false;
        foreach (var c in s)
        {
            if (!IsDigit(c)) return false;
            value = value * 10 + (ulong)(c - '0');
            if (value > max) return false;
        }
        return true;
    }

    public static bool TryParseInt(ReadOnlySpan<byte> s, out int value)
    {
        if (TryParseUInt(s, int.MaxValue, out var v)) { value = (int)v; return true; }
        value = 0;
        return false;
    }

    /// <summary>Finds <paramref name="c"/> outside double quotes and angle brackets; -1 if absent.</summary>
    public static int IndexOfUnquoted(ReadOnlySpan<byte> s, byte c, int start = 0)
    {
        bool quoted = false;
        int angle = 0;
        for (int i = start; i < s.Length; i++)
        {
            byte x = s[i];
            if (quoted)
            {
                if (x == (byte)'\\') { i++; continue; }
                if (x == (byte)'"') quoted = false;
                continue;
            }
            if (x == c && angle == 0) return i;
            if (x == (byte)'"') quoted = true;
            else if (x == (byte)'<') angle++;
            else if (x == (byte)'>' && angle > 0) angle--;
        }
        return -1;
    }

    /// <summary>Index of the closing quote of a quoted string starting at <paramref name="open"/>, honouring
    /// backslash escapes (RFC 3261 §25.1 quoted-pair); -1 if unterminated.</summary>
    public static int EndOfQuoted(ReadOnlySpan<byte> s, int open)
    {
        for (int i = open + 1; i < s.Length; i++)
        {
            if (s[i] == (byte)'\\') { i++; continue; }
            if (s[i] == (byte)'"') return i;
        }
        return -1;
    }

    /// <summary>Range of <paramref name="inner"/> (a slice of <paramref name="outer"/>) in outer's coordinates.</summary>
    public static TextRange RangeOf(ReadOnlySpan<byte> outer, ReadOnlySpan<byte> inner)
    {
        if (inner.IsEmpty) return default;
        int off = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(outer), ref MemoryMarshal.GetReference(inner));
        return new TextRange(off, inner.Length);
    }

    /// <summary>Decodes a %HH escape at <paramref name="i"/>; -1 if not a valid escape.</summary>
    public static int Unhex(ReadOnlySpan<byte> s, int i)
    {
        if (i + 2 >= s.Length) return -1;
        int h = HexValue(s[i + 1]), l = HexValue(s[i + 2]);
        return h < 0 || l < 0 ? -1 : (h << 4) | l;
    }

    public static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}

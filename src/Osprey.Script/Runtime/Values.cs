using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Osprey.Core.Modules;

namespace Osprey.Script.Runtime;

/// <summary>
/// Kamailio's script value rules (cfg-surface.md 2.6, checked against Kamailio 5.6 in ScriptSemanticsTests):
/// integers are 32-bit and wrap; a string converts to an integer only when it is a whole decimal
/// (optionally signed) or 0x hex number.
/// </summary>
internal static class Values
{
    public static readonly PvValue Zero = PvValue.FromInt(0);
    public static readonly PvValue One = PvValue.FromInt(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PvValue Int(int v) => PvValue.FromInt(v);

    /// <summary>Integer conversion for arithmetic: what does not parse counts as 0.</summary>
    public static int ToInt(in PvValue v)
    {
        if (v.IsInt) return unchecked((int)v.Int);
        if (v.IsString) return TryParseInt(v.Str, out var n) ? n : 0;
        return 0;
    }

    /// <summary>Integer conversion for comparisons: false when the value is a string that is not a number.</summary>
    public static bool TryToInt(in PvValue v, out int n)
    {
        if (v.IsInt) { n = unchecked((int)v.Int); return true; }
        if (v.IsString) return TryParseInt(v.Str, out n);
        n = 0;
        return true;
    }

    public static bool TryParseInt(ReadOnlySpan<char> s, out int n)
    {
        n = 0;
        if (s.Length == 0) return false;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            if (uint.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var u)) { n = unchecked((int)u); return true; }
            return false;
        }
        foreach (var c in s) if (!(char.IsAsciiDigit(c) || c is '-' or '+')) return false;
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) { n = unchecked((int)l); return true; }
        return false;
    }

    /// <summary>String conversion for concatenation and string arguments: null is empty.</summary>
    public static string ToStr(in PvValue v) => v.IsString ? v.Str : v.IsInt ? IntToString(v.Int) : "";

    /// <summary>String form in xlog output: null prints as &lt;null&gt;.</summary>
    public static string ToPrint(in PvValue v) => v.ToString();

    private static readonly string[] SmallInts = Enumerable.Range(-1, 1026).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Decimal text of an integer; small values come from a cache (no allocation).</summary>
    public static string IntToString(long v) => v >= -1 && v <= 1024 ? SmallInts[v + 1] : v.ToString(CultureInfo.InvariantCulture);

    public static bool Truthy(in PvValue v) => ToInt(v) != 0;

    // Per-thread builders, one per nesting level: formatting a value may format another inside it
    // ($sht(t=>$ci) inside an xlog format, a transformation argument that is a concatenation).
    [ThreadStatic] private static StringBuilder?[]? t_builders;
    [ThreadStatic] private static int t_depth;

    /// <summary>Rents a cleared builder; give it back with <see cref="Finish"/> (one string allocated per result).</summary>
    public static StringBuilder RentBuilder()
    {
        var pool = t_builders ??= new StringBuilder?[8];
        int d = t_depth++;
        if (d >= pool.Length) return new StringBuilder(64);
        var sb = pool[d] ??= new StringBuilder(256);
        sb.Clear();
        return sb;
    }

    /// <summary>The builder's text; returns the builder rented by <see cref="RentBuilder"/>.</summary>
    public static string Finish(StringBuilder sb)
    {
        var s = sb.ToString();
        t_depth--;
        return s;
    }

    /// <summary>At the start of each message: a module exception may have left a builder rented.</summary>
    public static void ResetBuilders() => t_depth = 0;

    public static string Utf8(ReadOnlySpan<byte> b) => b.IsEmpty ? "" : Encoding.UTF8.GetString(b);

    /// <summary>Appends UTF-8 bytes to a builder without an intermediate string.</summary>
    public static void AppendUtf8(StringBuilder sb, ReadOnlySpan<byte> b)
    {
        if (b.IsEmpty) return;
        bool ascii = true;
        foreach (var x in b) if (x >= 0x80) { ascii = false; break; }
        if (ascii)
        {
            foreach (var x in b) sb.Append((char)x);
            return;
        }
        sb.Append(Encoding.UTF8.GetString(b));
    }

    /// <summary>Byte-wise equality of a UTF-8 span and an ASCII/UTF-8 literal (pre-encoded).</summary>
    public static bool SpanEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, bool ignoreCase) =>
        ignoreCase ? Ascii.EqualsIgnoreCase(a, b) : a.SequenceEqual(b);
}

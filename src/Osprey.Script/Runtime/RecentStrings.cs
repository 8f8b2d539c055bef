using System.Text;

namespace Osprey.Script.Runtime;

/// <summary>
/// Strings for message values that repeat from one message to the next (the From domain that
/// <c>auth_check("$fd", ...)</c> gets with every REGISTER, a gateway's host): a small per-thread table
/// of recent UTF-8 to string conversions, so a repeating value costs a hash and a compare instead of a
/// new string per message. A value is admitted the second time in a row its slot misses on it, so
/// values that differ in every message (Call-IDs, tags) cost no more than the string they need anyway
/// and do not push out the ones that repeat.
/// </summary>
internal static class RecentStrings
{
    private const int Slots = 64;
    private const int MaxLength = 64;

    [ThreadStatic] private static Entry?[]? t_entries;
    [ThreadStatic] private static int[]? t_lastMiss;

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
            return "";
        if (utf8.Length > MaxLength)
            return Encoding.UTF8.GetString(utf8);
        var entries = t_entries ??= new Entry?[Slots];
        var lastMiss = t_lastMiss ??= new int[Slots];
        var hc = default(HashCode);
        hc.AddBytes(utf8);
        int h = hc.ToHashCode();
        int slot = h & (Slots - 1);
        var e = entries[slot];
        if (e is not null && utf8.SequenceEqual(e.Bytes))
            return e.Text;
        var text = Encoding.UTF8.GetString(utf8);
        if (lastMiss[slot] == h)
            entries[slot] = new Entry(utf8.ToArray(), text);
        else
            lastMiss[slot] = h;
        return text;
    }

    private sealed class Entry(byte[] bytes, string text)
    {
        public readonly byte[] Bytes = bytes;
        public readonly string Text = text;
    }
}

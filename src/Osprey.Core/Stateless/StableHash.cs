namespace Osprey.Core.Stateless;

/// <summary>FNV-1a 64: a hash that is the same in every process and across restarts, for values other
/// parties see again (stateless branches and To-tags must survive retransmissions, RFC 3261 §16.11).</summary>
internal struct StableHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;
    private ulong _h;

    public static StableHash Create() => new() { _h = Offset };

    public void Add(ReadOnlySpan<byte> data)
    {
        ulong h = _h;
        foreach (var b in data)
        {
            h ^= b;
            h *= Prime;
        }
        // separator so ("ab","c") and ("a","bc") differ
        h ^= 0xff;
        h *= Prime;
        _h = h;
    }

    public readonly ulong Value => _h;

    /// <summary>Writes the hash as 16 lower-case hex digits.</summary>
    public readonly void WriteHex(Span<byte> dest)
    {
        ulong v = _h;
        for (int i = 15; i >= 0; i--)
        {
            int d = (int)(v & 0xf);
            dest[i] = (byte)(d < 10 ? '0' + d : 'a' + d - 10);
            v >>= 4;
        }
    }
}

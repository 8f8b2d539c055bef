using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Osprey.Sip.Message;

/// <summary>The header index of a message: entries in order, plus the first index of each known id.
/// The first 32 entries live inline in the message; more spill to an array.</summary>
internal struct HeaderTable
{
    private const int InlineCount = 32;
    private InlineEntries _inline;
    private HeaderEntry[]? _spill;
    private FirstIndex _first; // 1-based index of the first entry per id, 0 = absent
    public int Count;

    public void Add(in HeaderEntry e)
    {
        if (Count < InlineCount) _inline[Count] = e;
        else
        {
            _spill ??= new HeaderEntry[32];
            int k = Count - InlineCount;
            if (k == _spill.Length) Array.Resize(ref _spill, _spill.Length * 2);
            _spill[k] = e;
        }
        if (e.Id != HeaderId.Other && _first[(int)e.Id] == 0) _first[(int)e.Id] = (ushort)Math.Min(Count + 1, ushort.MaxValue);
        Count++;
    }

    /// <summary>Empties the table for the next message (the spill array is kept).</summary>
    public void Clear()
    {
        _first = default;
        Count = 0;
    }

    /// <summary>Replaces the last entry (used to extend it over folded lines).</summary>
    public void ReplaceLast(in HeaderEntry e)
    {
        int i = Count - 1;
        if (i < InlineCount) _inline[i] = e;
        else _spill![i - InlineCount] = e;
    }

    [UnscopedRef]
    public readonly ref readonly HeaderEntry this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (i < InlineCount) return ref _inline[i];
            return ref _spill![i - InlineCount];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int FirstIndexOf(HeaderId id) => _first[(int)id] - 1;

    [InlineArray(InlineCount)]
    private struct InlineEntries
    {
        private HeaderEntry _e;
    }

    [InlineArray((int)HeaderId.XCount)]
    private struct FirstIndex
    {
        private ushort _i;
    }
}

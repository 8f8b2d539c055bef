using System.Runtime.CompilerServices;

namespace Osprey.Sip.Text;

/// <summary>A slice of a message buffer: offset and length. Typed views are made of these, so
/// parsing copies nothing.</summary>
public readonly record struct TextRange(int Start, int Length)
{
    public static TextRange Empty => default;
    public int End => Start + Length;
    public bool IsEmpty => Length == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> buffer) => buffer.Slice(Start, Length);
}

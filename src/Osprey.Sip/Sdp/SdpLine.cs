namespace Osprey.Sip.Sdp;

/// <summary>
/// One line of a description. Untouched lines are offsets into the received body and are
/// written back byte for byte; edited or added lines carry their new value in <see cref="Text"/>.
/// </summary>
internal struct SdpLine
{
    /// <summary>The type letter, or 0 for a line kept verbatim that is not <c>x=</c> (e.g. empty).</summary>
    public byte Type;

    /// <summary>Offset of the first byte of the line in the source, or -1 for an added line.</summary>
    public int LineStart;

    /// <summary>Offset of the value (after <c>x=</c>) in the source.</summary>
    public int ValueStart;

    /// <summary>Offset one past the value, where the line end (CRLF, LF or nothing) starts.</summary>
    public int ValueEnd;

    /// <summary>Offset one past the line end.</summary>
    public int LineEnd;

    /// <summary>The replacement value when the line was edited or added; null for an untouched line.</summary>
    public byte[]? Text;

    public static SdpLine Added(byte type, byte[] text) => new()
    {
        Type = type,
        LineStart = -1,
        ValueStart = -1,
        ValueEnd = -1,
        LineEnd = -1,
        Text = text,
    };

    public readonly ReadOnlySpan<byte> Value(ReadOnlySpan<byte> source)
        => Text ?? source[ValueStart..ValueEnd];
}

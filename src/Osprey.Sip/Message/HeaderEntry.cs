using Osprey.Sip.Text;

namespace Osprey.Sip.Message;

/// <summary>One header line (with its folded continuation lines) in a received message.</summary>
public readonly struct HeaderEntry
{
    internal HeaderEntry(HeaderId id, int lineStart, int nameLength, TextRange value, int lineEnd)
    {
        Id = id;
        LineStart = lineStart;
        NameLength = nameLength;
        Value = value;
        LineEnd = lineEnd;
    }

    public HeaderId Id { get; }

    /// <summary>Offset of the header name (start of the line).</summary>
    public int LineStart { get; }

    public int NameLength { get; }

    /// <summary>The value, without leading and trailing whitespace; may span folded lines.</summary>
    public TextRange Value { get; }

    /// <summary>Offset just past the line end of the header's last line: deleting
    /// [LineStart, LineEnd) removes the header.</summary>
    public int LineEnd { get; }

    public TextRange Name => new(LineStart, NameLength);
}

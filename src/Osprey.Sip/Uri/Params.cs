using Osprey.Sip.Text;

namespace Osprey.Sip.Uri;

/// <summary>Reads <c>name[=value]</c> lists separated by ';' (URI parameters and header parameters).
/// Names compare case-insensitively; a quoted value keeps its quotes.</summary>
public static class Params
{
    /// <summary>Finds parameter <paramref name="name"/> in a list (without the leading ';').</summary>
    public static bool TryGet(ReadOnlySpan<byte> list, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var e = new Enumerator(list);
        while (e.MoveNext())
        {
            if (SipChars.EqualsIgnoreCase(e.Name, name)) { value = e.Value; return true; }
        }
        value = default;
        return false;
    }

    /// <summary>True when every parameter has a non-empty name and quotes balance.</summary>
    public static bool Validate(ReadOnlySpan<byte> list)
    {
        if (list.IsEmpty) return false;
        var e = new Enumerator(list);
        while (e.MoveNext())
        {
            if (e.Name.IsEmpty || e.Malformed) return false;
        }
        return true;
    }

    /// <summary>Enumerates parameters; whitespace around names, '=' and values is skipped (LWS is allowed
    /// in header parameters). An empty segment (";;") yields an empty name, which callers reject.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _s;
        private int _pos;

        public Enumerator(ReadOnlySpan<byte> list)
        {
            _s = list;
            _pos = list.IsEmpty ? -1 : 0;
        }

        public ReadOnlySpan<byte> Name { get; private set; }
        public ReadOnlySpan<byte> Value { get; private set; }
        public bool HasValue { get; private set; }
        public bool Malformed { get; private set; }

        /// <summary>Offset of the current segment (after its ';') in the list.</summary>
        public int SegmentStart { get; private set; }

        /// <summary>End of the current segment (before the next ';').</summary>
        public int SegmentEnd { get; private set; }

        public bool MoveNext()
        {
            if (_pos < 0) return false;
            int start = _pos;
            int rel = SipChars.IndexOfUnquoted(_s[start..], (byte)';');
            int end = rel < 0 ? _s.Length : start + rel;
            _pos = rel < 0 ? -1 : end + 1;
            SegmentStart = start;
            SegmentEnd = end;
            var seg = _s[start..end];
            int eq = seg.IndexOf((byte)'=');
            Malformed = false;
            if (eq < 0)
            {
                Name = SipChars.Trim(seg);
                Value = default;
                HasValue = false;
            }
            else
            {
                Name = SipChars.Trim(seg[..eq]);
                Value = SipChars.Trim(seg[(eq + 1)..]);
                HasValue = true;
                if (Value.IsEmpty) Malformed = true;
                else if (Value[0] == (byte)'"' && SipChars.EndOfQuoted(Value, 0) != Value.Length - 1) Malformed = true;
            }
            if (SipChars.ContainsWs(Name)) Malformed = true;
            return true;
        }
    }
}

using Osprey.Sip.Text;

namespace Osprey.Sip.Headers;

/// <summary>Splits comma-separated header values (RFC 3261 §7.3.1), never inside quoted strings or &lt;...&gt;.</summary>
public static class HeaderValues
{
    /// <summary>Enumerates the elements of a list-valued header value as ranges of <paramref name="buffer"/>,
    /// trimmed; empty elements are reported (as empty ranges) so callers can reject them.</summary>
    public static Enumerator Split(ReadOnlySpan<byte> buffer, TextRange value) => new(buffer, value);

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _buf;
        private readonly int _end;
        private int _pos;

        internal Enumerator(ReadOnlySpan<byte> buffer, TextRange value)
        {
            _buf = buffer;
            _end = value.End;
            _pos = value.Length == 0 ? -1 : value.Start;
            Current = default;
        }

        public TextRange Current { get; private set; }

        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_pos < 0) return false;
            var rest = _buf[_pos.._end];
            int comma = SipChars.IndexOfUnquoted(rest, (byte)',');
            int stop = comma < 0 ? _end : _pos + comma;
            Current = SipChars.Trim(_buf, new TextRange(_pos, stop - _pos));
            _pos = comma < 0 ? -1 : stop + 1;
            return true;
        }
    }
}

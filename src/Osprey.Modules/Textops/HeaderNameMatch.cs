using System.Text;
using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Modules.Textops;

/// <summary>
/// Matches header lines by a name given in the script: a known name (long or compact form, any case)
/// matches by header id, so <c>remove_hf("Contact")</c> also removes <c>m:</c> lines; any other name
/// compares case-insensitively. Built on the stack per call; nothing allocated.
/// </summary>
internal readonly ref struct HeaderNameMatch
{
    private readonly ReadOnlySpan<byte> _name;
    private readonly HeaderId _id;

    public HeaderNameMatch(ReadOnlySpan<byte> name)
    {
        _name = SipChars.Trim(name);
        _id = HeaderNames.Lookup(_name);
    }

    public bool IsEmpty => _name.IsEmpty;

    public bool Matches(SipMessage m, int index)
    {
        ref readonly var h = ref m.Header(index);
        if (_id != HeaderId.Other) return h.Id == _id;
        return h.Id == HeaderId.Other && SipChars.EqualsIgnoreCase(h.Name.Of(m.Span), _name);
    }

    /// <summary>ASCII bytes of a script name into <paramref name="buffer"/> (names longer than it are cut,
    /// which no real header name is).</summary>
    public static ReadOnlySpan<byte> Bytes(string name, Span<byte> buffer)
    {
        int n = Math.Min(name.Length, buffer.Length);
        int w = Encoding.Latin1.GetBytes(name.AsSpan(0, n), buffer);
        return buffer[..w];
    }
}

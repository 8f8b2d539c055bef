using System.Text;

namespace Osprey.Sip.Sdp;

/// <summary>
/// The lines of the session level or of one media description, in received order, with the
/// typed reads and the edits both levels share (connection, attributes, direction).
/// Attribute names are matched byte for byte.
/// </summary>
public abstract class SdpSection
{
    private SdpLine[] _lines;
    private int _count;

    private protected SdpSection(int capacity)
    {
        _lines = new SdpLine[Math.Max(capacity, 4)];
    }

    /// <summary>The description this section belongs to.</summary>
    public abstract SdpSession Session { get; }

    internal int LineCount => _count;

    internal ref SdpLine LineAt(int index) => ref _lines[index];

    internal ReadOnlySpan<byte> ValueAt(int index) => _lines[index].Value(Session.Source.Span);

    /// <summary>Number of lines in this section (for a media section, including its <c>m=</c> line).</summary>
    public int Count => _count;

    /// <summary>Enumerates the lines of this section in order.</summary>
    public SdpLineEnumerator Lines => new(this);

    internal void Append(in SdpLine line) => Insert(_count, line);

    internal void Insert(int index, in SdpLine line)
    {
        if (_count == _lines.Length)
        {
            Array.Resize(ref _lines, _lines.Length * 2);
        }

        Array.Copy(_lines, index, _lines, index + 1, _count - index);
        _lines[index] = line;
        _count++;
    }

    internal void RemoveAt(int index)
    {
        _count--;
        Array.Copy(_lines, index + 1, _lines, index, _count - index);
        _lines[_count] = default;
    }

    internal int IndexOfType(byte type)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_lines[i].Type == type)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first line of the given type letter, if any.</summary>
    public bool TryGetLine(char type, out ReadOnlySpan<byte> value)
    {
        int i = IndexOfType((byte)type);
        value = i < 0 ? default : ValueAt(i);
        return i >= 0;
    }

    /// <summary>This section's own <c>c=</c> line (RFC 8866 §5.7).</summary>
    public bool TryGetOwnConnection(out SdpConnection connection)
    {
        int i = IndexOfType((byte)'c');
        if (i < 0)
        {
            connection = default;
            return false;
        }

        return SdpConnection.TryParse(ValueAt(i), out connection);
    }

    /// <summary>
    /// Sets this section's <c>c=</c> line to <c>IN IP4|IP6 address</c>, replacing the first one or
    /// inserting one where RFC 8866 §5 orders it. Any multicast TTL suffix is dropped.
    /// </summary>
    public void SetConnection(SdpAddressType type, ReadOnlySpan<byte> address)
    {
        var af = SdpSyntax.AddressTypeToken(type);
        var text = new byte[3 + af.Length + 1 + address.Length];
        "IN "u8.CopyTo(text);
        af.CopyTo(text.AsSpan(3));
        text[3 + af.Length] = (byte)' ';
        address.CopyTo(text.AsSpan(4 + af.Length));

        int i = IndexOfType((byte)'c');
        if (i >= 0)
        {
            _lines[i].Text = text;
            return;
        }

        Insert(ConnectionInsertIndex(), SdpLine.Added((byte)'c', text));
    }

    /// <inheritdoc cref="SetConnection(SdpAddressType, ReadOnlySpan{byte})"/>
    public void SetConnection(SdpAddressType type, string address) => SetConnection(type, Encoding.ASCII.GetBytes(address));

    /// <summary>Where a new <c>c=</c> line goes in this section (RFC 8866 §5 field order).</summary>
    private protected abstract int ConnectionInsertIndex();

    /// <summary>The first <c>b=&lt;bwtype&gt;:</c> value (RFC 8866 §5.8).</summary>
    public bool TryGetBandwidth(ReadOnlySpan<byte> bwType, out long value)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_lines[i].Type != (byte)'b')
            {
                continue;
            }

            var v = ValueAt(i);
            int colon = v.IndexOf((byte)':');
            if (colon > 0 && v[..colon].SequenceEqual(bwType) && SdpSyntax.TryParseLong(v[(colon + 1)..].Trim((byte)' '), out value))
            {
                return true;
            }
        }

        value = 0;
        return false;
    }

    /// <summary>Enumerates the <c>a=</c> lines of this section.</summary>
    public SdpAttributeEnumerator Attributes => new(this, default, false);

    /// <summary>Enumerates the <c>a=</c> lines of this section named <paramref name="name"/>.</summary>
    public SdpAttributeEnumerator GetAttributes(ReadOnlySpan<byte> name) => new(this, name, true);

    internal int FindAttribute(ReadOnlySpan<byte> name, int from)
    {
        for (int i = from; i < _count; i++)
        {
            if (_lines[i].Type != (byte)'a')
            {
                continue;
            }

            SdpSyntax.SplitAttribute(ValueAt(i), out var n, out _, out _);
            if (n.SequenceEqual(name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The value of the first attribute named <paramref name="name"/> (empty for a property attribute).</summary>
    public bool TryGetAttribute(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        int i = FindAttribute(name, 0);
        if (i < 0)
        {
            value = default;
            return false;
        }

        SdpSyntax.SplitAttribute(ValueAt(i), out _, out value, out _);
        return true;
    }

    /// <summary>True when the section has an attribute named <paramref name="name"/>.</summary>
    public bool HasAttribute(ReadOnlySpan<byte> name) => FindAttribute(name, 0) >= 0;

    /// <summary>Appends <c>a=name:value</c> (or <c>a=name</c> when <paramref name="value"/> is null) at the end of the section.</summary>
    public void AddAttribute(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue = true)
        => Append(SdpLine.Added((byte)'a', AttributeText(name, value, hasValue)));

    /// <inheritdoc cref="AddAttribute(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/>
    public void AddAttribute(string name, string? value = null)
        => AddAttribute(Encoding.ASCII.GetBytes(name), value is null ? default : Encoding.UTF8.GetBytes(value), value is not null);

    /// <summary>Removes every attribute named <paramref name="name"/>; returns how many were removed.</summary>
    public int RemoveAttributes(ReadOnlySpan<byte> name)
    {
        int removed = 0;
        int i = FindAttribute(name, 0);
        while (i >= 0)
        {
            RemoveAt(i);
            removed++;
            i = FindAttribute(name, i);
        }

        return removed;
    }

    /// <inheritdoc cref="RemoveAttributes(ReadOnlySpan{byte})"/>
    public int RemoveAttributes(string name) => RemoveAttributes(Encoding.ASCII.GetBytes(name));

    /// <summary>
    /// Replaces the value of the first attribute named <paramref name="name"/> in place, or appends
    /// the attribute when there is none. Returns true when an existing line was replaced.
    /// </summary>
    public bool ReplaceAttribute(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue = true)
    {
        var text = AttributeText(name, value, hasValue);
        int i = FindAttribute(name, 0);
        if (i < 0)
        {
            Append(SdpLine.Added((byte)'a', text));
            return false;
        }

        _lines[i].Text = text;
        return true;
    }

    /// <inheritdoc cref="ReplaceAttribute(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool)"/>
    public bool ReplaceAttribute(string name, string? value)
        => ReplaceAttribute(Encoding.ASCII.GetBytes(name), value is null ? default : Encoding.UTF8.GetBytes(value), value is not null);

    /// <summary>The direction attribute of this section itself (RFC 8866 §6.7), <see cref="SdpDirection.None"/> when absent.</summary>
    public SdpDirection OwnDirection
    {
        get
        {
            for (int i = 0; i < _count; i++)
            {
                if (_lines[i].Type == (byte)'a')
                {
                    var d = SdpSyntax.ParseDirection(ValueAt(i));
                    if (d != SdpDirection.None)
                    {
                        return d;
                    }
                }
            }

            return SdpDirection.None;
        }
    }

    /// <summary>
    /// Sets this section's direction: removes every direction attribute and puts the new one where
    /// the first was (or at the end). <see cref="SdpDirection.None"/> only removes.
    /// </summary>
    public void SetDirection(SdpDirection direction)
    {
        int first = -1;
        for (int i = 0; i < _count;)
        {
            if (_lines[i].Type == (byte)'a' && SdpSyntax.ParseDirection(ValueAt(i)) != SdpDirection.None)
            {
                if (first < 0)
                {
                    first = i;
                }

                RemoveAt(i);
                continue;
            }

            i++;
        }

        if (direction == SdpDirection.None)
        {
            return;
        }

        var line = SdpLine.Added((byte)'a', SdpSyntax.DirectionToken(direction).ToArray());
        if (first >= 0)
        {
            Insert(first, line);
        }
        else
        {
            Append(line);
        }
    }

    private static byte[] AttributeText(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool hasValue)
    {
        var text = new byte[name.Length + (hasValue ? 1 + value.Length : 0)];
        name.CopyTo(text);
        if (hasValue)
        {
            text[name.Length] = (byte)':';
            value.CopyTo(text.AsSpan(name.Length + 1));
        }

        return text;
    }
}

/// <summary>One line of a section: its type letter (0 for a verbatim non-field line) and value.</summary>
public readonly ref struct SdpLineView
{
    internal SdpLineView(char type, ReadOnlySpan<byte> value)
    {
        Type = type;
        Value = value;
    }

    public char Type { get; }
    public ReadOnlySpan<byte> Value { get; }
}

/// <summary>Allocation-free enumerator over a section's lines.</summary>
public ref struct SdpLineEnumerator
{
    private readonly SdpSection _section;
    private int _index;

    internal SdpLineEnumerator(SdpSection section)
    {
        _section = section;
        _index = -1;
    }

    public readonly SdpLineEnumerator GetEnumerator() => this;

    public bool MoveNext() => ++_index < _section.LineCount;

    public readonly SdpLineView Current => new((char)_section.LineAt(_index).Type, _section.ValueAt(_index));
}

/// <summary>Allocation-free enumerator over a section's attributes, optionally filtered by name.</summary>
public ref struct SdpAttributeEnumerator
{
    private readonly SdpSection _section;
    private readonly ReadOnlySpan<byte> _name;
    private readonly bool _filter;
    private int _index;

    internal SdpAttributeEnumerator(SdpSection section, ReadOnlySpan<byte> name, bool filter)
    {
        _section = section;
        _name = name;
        _filter = filter;
        _index = -1;
    }

    public readonly SdpAttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (++_index < _section.LineCount)
        {
            if (_section.LineAt(_index).Type != (byte)'a')
            {
                continue;
            }

            if (!_filter)
            {
                return true;
            }

            SdpSyntax.SplitAttribute(_section.ValueAt(_index), out var n, out _, out _);
            if (n.SequenceEqual(_name))
            {
                return true;
            }
        }

        return false;
    }

    public readonly SdpAttribute Current
    {
        get
        {
            SdpSyntax.SplitAttribute(_section.ValueAt(_index), out var n, out var v, out bool has);
            return new SdpAttribute(n, v, has);
        }
    }
}

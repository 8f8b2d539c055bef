namespace Osprey.Core.Modules;

/// <summary>
/// The attribute-value pairs of one message (<c>$avp(name)</c>): a stack per name. Assignment pushes a
/// value on top; index 0 is the newest. A transaction can own a store and put it on the context
/// (<see cref="Pipeline.MessageContext.Avps"/>) while its routes run, so failure and reply routes see the
/// AVPs the request route set. Reused between messages: clearing keeps the capacity.
/// </summary>
public sealed class AvpStore
{
    // allocated on the first push: a transaction takes a store of its own whether or not its routes
    // set any AVP, and most never do
    private string[] _names = [];
    private PvValue[] _values = [];
    private int _count;

    /// <summary>Number of values of all names.</summary>
    public int Count => _count;

    public void Clear()
    {
        Array.Clear(_values, 0, _count);
        Array.Clear(_names, 0, _count);
        _count = 0;
    }

    /// <summary>Appends every value of this store to <paramref name="other"/>, keeping their order (a
    /// transaction taking over the AVPs its request route set so far).</summary>
    public void CopyTo(AvpStore other)
    {
        for (int i = 0; i < _count; i++) other.Push(_names[i], _values[i]);
    }

    /// <summary>Pushes a value on top of <paramref name="name"/>'s stack.</summary>
    public void Push(string name, PvValue value)
    {
        if (_count == _names.Length)
        {
            int size = Math.Max(8, _count * 2);
            Array.Resize(ref _names, size);
            Array.Resize(ref _values, size);
        }
        _names[_count] = name;
        _values[_count] = value;
        _count++;
    }

    /// <summary>The value at <paramref name="index"/> of the name's stack (0 = newest); null when absent.</summary>
    public PvValue Get(string name, int index = 0)
    {
        if (index < 0) return PvValue.Null;
        for (int i = _count - 1; i >= 0; i--)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal) && index-- == 0) return _values[i];
        }
        return PvValue.Null;
    }

    /// <summary>How many values the name has.</summary>
    public int CountOf(string name)
    {
        int n = 0;
        for (int i = 0; i < _count; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal)) n++;
        }
        return n;
    }

    /// <summary>Removes the value at <paramref name="index"/> (0 = newest); false when there is none.</summary>
    public bool Remove(string name, int index = 0)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal) && index-- == 0)
            {
                Array.Copy(_names, i + 1, _names, i, _count - i - 1);
                Array.Copy(_values, i + 1, _values, i, _count - i - 1);
                _count--;
                _names[_count] = null!;
                _values[_count] = default;
                return true;
            }
        }
        return false;
    }

    /// <summary>Removes every value of the name.</summary>
    public void RemoveAll(string name)
    {
        int w = 0;
        for (int r = 0; r < _count; r++)
        {
            if (string.Equals(_names[r], name, StringComparison.Ordinal)) continue;
            _names[w] = _names[r];
            _values[w] = _values[r];
            w++;
        }
        Array.Clear(_names, w, _count - w);
        Array.Clear(_values, w, _count - w);
        _count = w;
    }

    /// <summary>Replaces the value at <paramref name="index"/>; false when there is none.</summary>
    public bool Replace(string name, int index, PvValue value)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            if (string.Equals(_names[i], name, StringComparison.Ordinal) && index-- == 0)
            {
                _values[i] = value;
                return true;
            }
        }
        return false;
    }
}

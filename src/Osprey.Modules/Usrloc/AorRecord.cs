namespace Osprey.Modules.Usrloc;

/// <summary>
/// The bindings of one address-of-record (Kamailio's urecord), kept ordered: by q-value, highest
/// first, or by last change, newest first, when desc_time_order is set. Guarded by its bucket's lock.
/// </summary>
/// <remarks>
/// The bindings are held in an array of their own that grows from one slot: most AORs have one
/// binding, and a <see cref="List{T}"/> would cost a second object and room for four per record.
/// </remarks>
public sealed class AorRecord
{
    private ContactBinding[] _items = [];
    private int _count;

    internal AorRecord(string aor, uint hash)
    {
        Aor = aor;
        Hash = hash;
    }

    public string Aor { get; }

    /// <summary>The AOR's hash (Kamailio's aorhash), which also picks its bucket.</summary>
    public uint Hash { get; }

    /// <summary>The next record in the same hash slot (guarded by the slot's lock).</summary>
    internal AorRecord? Next { get; set; }

    public int Count => _count;

    public ContactBinding this[int i] => (uint)i < (uint)_count ? _items[i] : throw new ArgumentOutOfRangeException(nameof(i));

    /// <summary>Puts a binding (new, or already here and changed) where the order wants it.</summary>
    internal void Place(ContactBinding c, bool timeOrder)
    {
        Remove(c);
        int i = 0;
        if (timeOrder)
        {
            while (i < _count && _items[i].LastModified > c.LastModified) i++;
        }
        else
        {
            int q = c.Q < 0 ? 1000 : c.Q;
            while (i < _count && (_items[i].Q < 0 ? 1000 : _items[i].Q) >= q) i++;
        }
        if (_count == _items.Length) Array.Resize(ref _items, _count == 0 ? 1 : _count * 2);
        Array.Copy(_items, i, _items, i + 1, _count - i);
        _items[i] = c;
        _count++;
    }

    internal bool Remove(ContactBinding c)
    {
        int i = Array.IndexOf(_items, c, 0, _count);
        if (i < 0) return false;
        RemoveAt(i);
        return true;
    }

    internal void RemoveAt(int i)
    {
        _count--;
        Array.Copy(_items, i + 1, _items, i, _count - i);
        _items[_count] = null!;
    }
}

namespace Osprey.Core.Modules;

/// <summary>One extended AVP item: a named list of fields (<c>$xavp(root=>field)</c>).</summary>
public sealed class XavpItem
{
    internal XavpItem(string name) => Name = name;

    public string Name { get; }

    /// <summary>Fields, newest last; a field name may repeat (index 0 is the newest).</summary>
    public List<KeyValuePair<string, PvValue>> Fields { get; } = [];

    public PvValue Get(string field, int index = 0)
    {
        if (index < 0) return PvValue.Null;
        for (int i = Fields.Count - 1; i >= 0; i--)
        {
            if (string.Equals(Fields[i].Key, field, StringComparison.Ordinal) && index-- == 0) return Fields[i].Value;
        }
        return PvValue.Null;
    }
}

/// <summary>
/// Extended AVPs of one message: named items (a stack per root name, index 0 newest) each holding
/// fields. Like <see cref="AvpStore"/> a transaction may own one and attach it to the context.
/// </summary>
public sealed class XavpStore
{
    private static readonly List<XavpItem> s_none = [];
    private List<XavpItem>? _list; // created on the first push (most stores stay empty)

    private List<XavpItem> Items => _list ?? s_none;

    public void Clear() => _list?.Clear();

    /// <summary>The item at <paramref name="index"/> of the root's stack (0 newest), or null.</summary>
    public XavpItem? Get(string root, int index = 0)
    {
        if (index < 0) return null;
        for (int i = Items.Count - 1; i >= 0; i--)
        {
            if (string.Equals(Items[i].Name, root, StringComparison.Ordinal) && index-- == 0) return Items[i];
        }
        return null;
    }

    public int CountOf(string root)
    {
        int n = 0;
        foreach (var x in Items)
        {
            if (string.Equals(x.Name, root, StringComparison.Ordinal)) n++;
        }
        return n;
    }

    /// <summary>Pushes a new item on top of the root's stack.</summary>
    public XavpItem Push(string root)
    {
        var item = new XavpItem(root);
        (_list ??= []).Add(item);
        return item;
    }

    public void Remove(XavpItem item) => _list?.Remove(item);

    /// <summary>Appends every item of this store to <paramref name="other"/> (the items are shared, not cloned).</summary>
    public void CopyTo(XavpStore other)
    {
        if (_list is { Count: > 0 }) (other._list ??= []).AddRange(_list);
    }

    public void RemoveAll(string root) => _list?.RemoveAll(x => string.Equals(x.Name, root, StringComparison.Ordinal));
}

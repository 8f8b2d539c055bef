namespace Osprey.Modules.Usrloc;

/// <summary>A copy of one AOR's bindings taken under its bucket lock, safe to read anywhere
/// (RPC answers, $ulc profiles, the REGISTER 200 reply).</summary>
public sealed class AorSnapshot
{
    private AorSnapshot(string table, string aor, uint hash, ContactBinding[] contacts)
    {
        Table = table;
        Aor = aor;
        Hash = hash;
        Contacts = contacts;
    }

    public string Table { get; }
    public string Aor { get; }
    public uint Hash { get; }
    public IReadOnlyList<ContactBinding> Contacts { get; }

    /// <summary>One binding alone (the expired contact $ulc(exp=>...) shows).</summary>
    internal static AorSnapshot OfOne(string table, string aor, ContactBinding c) => new(table, aor, LocationTable.HashOf(aor), [c.Clone()]);

    internal static AorSnapshot Of(string table, AorRecord rec)
    {
        var arr = new ContactBinding[rec.Count];
        for (int i = 0; i < arr.Length; i++) arr[i] = rec[i].Clone();
        return new AorSnapshot(table, rec.Aor, rec.Hash, arr);
    }
}

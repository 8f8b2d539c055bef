namespace Osprey.Modules.Usrloc;

/// <summary>
/// The bindings of one address-of-record (Kamailio's urecord), kept ordered: by q-value, highest
/// first, or by last change, newest first, when desc_time_order is set. Guarded by its bucket's lock.
/// </summary>
public sealed class AorRecord
{
    internal AorRecord(string aor, uint hash)
    {
        Aor = aor;
        Hash = hash;
    }

    public string Aor { get; }

    /// <summary>The AOR's hash (Kamailio's aorhash), which also picks its bucket.</summary>
    public uint Hash { get; }

    internal List<ContactBinding> Contacts { get; } = [];

    /// <summary>The next record in the same hash slot (guarded by the slot's lock).</summary>
    internal AorRecord? Next { get; set; }

    public int Count => Contacts.Count;

    public ContactBinding this[int i] => Contacts[i];

    internal void Place(ContactBinding c, bool timeOrder)
    {
        Contacts.Remove(c);
        int i = 0;
        if (timeOrder)
        {
            while (i < Contacts.Count && Contacts[i].LastModified > c.LastModified) i++;
        }
        else
        {
            int q = c.Q < 0 ? 1000 : c.Q;
            while (i < Contacts.Count && (Contacts[i].Q < 0 ? 1000 : Contacts[i].Q) >= q) i++;
        }
        Contacts.Insert(i, c);
    }
}

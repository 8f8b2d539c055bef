using System.Collections.Concurrent;
using System.Data.Common;

namespace Osprey.Modules.Usrloc;

/// <summary>
/// One location table (Kamailio's udomain, e.g. "location"): address-of-record → bindings, sharded
/// into 2^hash_size buckets with a lock each. Every change goes through a <see cref="RecordLock"/>,
/// which applies the db_mode: memory only (0), write-through (1), write-back by the timer (2), or the
/// database as the only store (3, the record is loaded per operation and not kept).
/// </summary>
public sealed class LocationTable
{
    private readonly Bucket[] _buckets;
    private readonly UsrlocModule _ul;
    private readonly ConcurrentQueue<string> _pendingDeletes = new();
    private long _users;
    private long _contacts;
    private long _expired;

    internal LocationTable(string name, UsrlocModule ul, LocationDb? db)
    {
        Name = name;
        _ul = ul;
        Db = db;
        int size = 1 << Math.Clamp(ul.HashSize, 1, 20);
        _buckets = new Bucket[size];
        for (int i = 0; i < size; i++) _buckets[i] = new Bucket();
    }

    public string Name { get; }
    internal LocationDb? Db { get; }
    internal int DbMode => Db is null ? 0 : _ul.DbMode;

    /// <summary>usrloc:location_users (for a table named location): AORs with at least one binding (in memory; db_mode 3 keeps none).</summary>
    public long Users => Interlocked.Read(ref _users);

    /// <summary>usrloc:location_contacts.</summary>
    public long Contacts => Interlocked.Read(ref _contacts);

    /// <summary>usrloc:location_expires: bindings removed because they expired.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>FNV-1a over the AOR's UTF-16 code units: stable across runs and nodes.</summary>
    public static uint HashOf(string aor)
    {
        uint h = FnvOffset;
        foreach (char ch in aor)
        {
            h = (h ^ ch) * FnvPrime;
        }
        return h;
    }

    private const uint FnvOffset = 2166136261, FnvPrime = 16777619;

    private Bucket BucketOf(uint hash) => _buckets[hash & (uint)(_buckets.Length - 1)];

    /// <summary>
    /// The stored AOR string equal to an ASCII key, or null. Read without the bucket lock: a record
    /// being added or removed at that moment may be missed, and then the caller makes its own string
    /// (the key, not the string, is what <see cref="Lock"/> goes by).
    /// </summary>
    internal string? KnownAor(ReadOnlySpan<byte> key)
    {
        if (DbMode == 3) return null;
        uint h = FnvOffset;
        foreach (byte c in key)
        {
            if (c >= 0x80) return null; // HashOf runs over UTF-16 code units: equal to the bytes for ASCII only
            h = (h ^ c) * FnvPrime;
        }
        for (var r = BucketOf(h).Head; r is not null; r = r.Next)
        {
            if (r.Hash == h && r.Aor.Length == key.Length && System.Text.Ascii.Equals(key, r.Aor)) return r.Aor;
        }
        return null;
    }

    /// <summary>Locks the bucket of an AOR; dispose to release. Keep the lock short: no I/O but db_mode 1/3 writes.</summary>
    public RecordLock Lock(string aor)
    {
        uint h = HashOf(aor);
        var b = BucketOf(h);
        Monitor.Enter(b);
        AorRecord? rec;
        if (DbMode == 3)
        {
            rec = LoadFromDb(aor, h);
            if (rec is not null) b.Set(rec);
        }
        else
        {
            rec = b.Find(aor, h);
        }
        return new RecordLock(this, b, aor, h, rec);
    }

    private AorRecord? LoadFromDb(string aor, uint h)
    {
        List<ContactBinding> list;
        try
        {
            list = Db!.Load(aor);
        }
        catch (DbException ex)
        {
            _ul.ReportDbError("load " + aor, ex);
            return null;
        }
        if (list.Count == 0) return null;
        var rec = new AorRecord(aor, h);
        foreach (var c in list) rec.Place(c, _ul.DescTimeOrder);
        return rec;
    }

    /// <summary>A new binding with a fresh ruid, filled by the caller and added with <see cref="RecordLock.Insert"/>.</summary>
    public ContactBinding NewBinding(string contact) => new() { Contact = contact, Ruid = Ruids.Next(), ServerId = _ul.ServerId };

    internal void Release(Bucket b, string aor, uint hash)
    {
        if (DbMode == 3) b.Remove(aor, hash);
        Monitor.Exit(b);
    }

    internal bool Insert(Bucket b, ref AorRecord? rec, string aor, uint hash, ContactBinding c, bool loaded = false)
    {
        if (rec is null)
        {
            rec = new AorRecord(aor, hash);
            b.Set(rec);
            if (DbMode != 3) Interlocked.Increment(ref _users);
        }
        if (c.LastModified == 0) c.LastModified = _ul.Now();
        rec.Place(c, _ul.DescTimeOrder);
        if (DbMode != 3) Interlocked.Increment(ref _contacts);
        c.Version++;
        if (loaded)
        {
            c.SyncState = DbSyncState.Clean;
            return true;
        }
        return Write(aor, c, DbSyncState.New);
    }

    internal bool Update(AorRecord rec, ContactBinding c)
    {
        c.LastModified = _ul.Now();
        rec.Place(c, _ul.DescTimeOrder);
        c.Version++;
        return Write(rec.Aor, c, c.SyncState == DbSyncState.New ? DbSyncState.New : DbSyncState.Dirty);
    }

    internal bool Delete(Bucket b, ref AorRecord? rec, ContactBinding c)
    {
        if (rec is null || !rec.Remove(c)) return false;
        if (DbMode != 3) Interlocked.Decrement(ref _contacts);
        bool ok = true;
        switch (DbMode)
        {
            case 1:
            case 3:
                ok = DeleteNow(c.Ruid);
                break;
            case 2:
                if (c.SyncState != DbSyncState.New) _pendingDeletes.Enqueue(c.Ruid);
                break;
        }
        if (rec.Count == 0)
        {
            b.Remove(rec.Aor, rec.Hash);
            if (DbMode != 3) Interlocked.Decrement(ref _users);
            rec = null;
        }
        return ok;
    }

    private bool Write(string aor, ContactBinding c, DbSyncState pending)
    {
        switch (DbMode)
        {
            case 1:
            case 3:
                c.SyncState = DbSyncState.Clean;
                return WriteNow(aor, c);
            case 2:
                c.SyncState = pending;
                return true;
            default:
                return true;
        }
    }

    // The database calls of db_mode 1 and 3, out of line: a lambda capturing the caller's parameters
    // would allocate its closure on every call, whatever the mode.
    private bool WriteNow(string aor, ContactBinding c) => Try("write contact", () => Db!.Upsert(aor, c));

    private bool DeleteNow(string ruid) => Try("delete contact", () => Db!.Delete(ruid));

    private bool Try(string what, Action op)
    {
        try
        {
            op();
            return true;
        }
        catch (DbException ex)
        {
            _ul.ReportDbError(what + " in " + Name, ex);
            return false;
        }
    }

    /// <summary>Timer work: drops expired bindings, and in db_mode 2 writes changed ones to the database.</summary>
    internal void Sweep(long now, bool flushOnly = false)
    {
        var toWrite = new List<(string Aor, ContactBinding Copy, ContactBinding Live)>();
        var expiredRuids = new List<string>();
        List<(string Aor, ContactBinding Contact)>? expired = null;
        foreach (var b in _buckets)
        {
            lock (b)
            {
                AorRecord? next;
                for (var rec = b.Head; rec is not null; rec = next)
                {
                    next = rec.Next;
                    for (int i = rec.Count - 1; i >= 0; i--)
                    {
                        var c = rec[i];
                        if (!flushOnly && c.IsExpired(now))
                        {
                            rec.RemoveAt(i);
                            Interlocked.Decrement(ref _contacts);
                            Interlocked.Increment(ref _expired);
                            (expired ??= []).Add((rec.Aor, c));
                            if (DbMode == 1 || (DbMode == 2 && c.SyncState != DbSyncState.New)) expiredRuids.Add(c.Ruid);
                        }
                        else if (DbMode == 2 && c.SyncState != DbSyncState.Clean)
                        {
                            toWrite.Add((rec.Aor, c.Clone(), c));
                        }
                    }
                    if (rec.Count == 0 && b.Remove(rec.Aor, rec.Hash)) Interlocked.Decrement(ref _users);
                }
            }
        }
        // handlers (event_route[usrloc:contact-expired]) run without a bucket lock held: a route may call lookup()
        if (expired is not null)
        {
            foreach (var (aor, c) in expired) _ul.OnExpired(this, aor, c);
        }
        if (Db is null) return;
        if (DbMode == 3)
        {
            if (!flushOnly) Try("delete expired", () => Interlocked.Add(ref _expired, Db.DeleteExpired(now)));
            return;
        }
        while (_pendingDeletes.TryDequeue(out var ruid)) expiredRuids.Add(ruid);
        if (expiredRuids.Count == 0 && toWrite.Count == 0) return;
        bool ok = Try("write-back", () => Db.Db.InTransaction(tx =>
        {
            foreach (var r in expiredRuids) tx.Delete(Db.Table, [Data.DbCondition.Eq("ruid", r)]);
            foreach (var w in toWrite) tx.Replace(Db.Table, Db.Row(w.Aor, w.Copy), ["ruid"]);
        }));
        if (!ok)
        {
            // keep the deletions for the next run; changed bindings stay dirty
            foreach (var r in expiredRuids) _pendingDeletes.Enqueue(r);
            return;
        }
        foreach (var w in toWrite)
        {
            uint h = HashOf(w.Aor);
            var b = BucketOf(h);
            lock (b)
            {
                if (w.Live.Version == w.Copy.Version) w.Live.SyncState = DbSyncState.Clean;
            }
        }
    }

    /// <summary>Loads every row of the table into memory (preload at start-up; not in db_mode 3).</summary>
    internal int Preload(long now)
    {
        int n = 0;
        foreach (var (aor, c) in Db!.LoadAll())
        {
            if (c.IsExpired(now)) continue;
            using var l = Lock(aor);
            l.InsertLoaded(c);
            n++;
        }
        return n;
    }

    /// <summary>Copies of the records of one bucket (for dumps: the lock is held per bucket only).</summary>
    internal void CopyBucket(int i, List<AorSnapshot> into)
    {
        var b = _buckets[i];
        lock (b)
        {
            for (var rec = b.Head; rec is not null; rec = rec.Next) into.Add(AorSnapshot.Of(Name, rec));
        }
    }

    internal int BucketCount => _buckets.Length;

    /// <summary>
    /// One slot: the records whose hash falls here, chained through <see cref="AorRecord.Next"/>
    /// (Kamailio's hash slot list). With hash_size fitted to the users a chain holds one or two
    /// records; an empty slot costs one small object (a million slots for a million users: 24 MB),
    /// where a dictionary per slot cost over 200 bytes more per AOR.
    /// </summary>
    internal sealed class Bucket
    {
        public AorRecord? Head { get; private set; }

        public AorRecord? Find(string aor, uint hash)
        {
            for (var r = Head; r is not null; r = r.Next)
            {
                if (r.Hash == hash && string.Equals(r.Aor, aor, StringComparison.Ordinal)) return r;
            }
            return null;
        }

        /// <summary>Adds a record, replacing one of the same AOR.</summary>
        public void Set(AorRecord rec)
        {
            Remove(rec.Aor, rec.Hash);
            rec.Next = Head;
            Head = rec;
        }

        public bool Remove(string aor, uint hash)
        {
            AorRecord? prev = null;
            for (var r = Head; r is not null; prev = r, r = r.Next)
            {
                if (r.Hash != hash || !string.Equals(r.Aor, aor, StringComparison.Ordinal)) continue;
                if (prev is null) Head = r.Next;
                else prev.Next = r.Next;
                r.Next = null;
                return true;
            }
            return false;
        }
    }
}

/// <summary>
/// The held lock of one AOR's bucket, with the record (null when the AOR has no bindings). All changes
/// to bindings go through it so the database mode is applied.
/// </summary>
public ref struct RecordLock
{
    private readonly LocationTable _table;
    private readonly LocationTable.Bucket _bucket;
    private readonly string _aor;
    private readonly uint _hash;
    private AorRecord? _rec;
    private bool _released;

    internal RecordLock(LocationTable table, LocationTable.Bucket bucket, string aor, uint hash, AorRecord? rec)
    {
        _table = table;
        _bucket = bucket;
        _aor = aor;
        _hash = hash;
        _rec = rec;
    }

    public readonly AorRecord? Record => _rec;
    public readonly string Aor => _aor;
    public readonly LocationTable Table => _table;

    /// <summary>Adds a binding; false when the database write failed (db_mode 1/3).</summary>
    public bool Insert(ContactBinding c) => _table.Insert(_bucket, ref _rec, _aor, _hash, c);

    internal void InsertLoaded(ContactBinding c) => _table.Insert(_bucket, ref _rec, _aor, _hash, c, loaded: true);

    /// <summary>Call after changing a binding's fields; re-orders it and writes it per db_mode.</summary>
    public readonly bool Update(ContactBinding c) => _rec is not null && _table.Update(_rec, c);

    public bool Delete(ContactBinding c) => _table.Delete(_bucket, ref _rec, c);

    /// <summary>Removes every binding of the AOR.</summary>
    public bool DeleteAll()
    {
        bool ok = true;
        while (_rec is not null && _rec.Count > 0) ok &= Delete(_rec[_rec.Count - 1]);
        return ok;
    }

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        _table.Release(_bucket, _aor, _hash);
    }
}

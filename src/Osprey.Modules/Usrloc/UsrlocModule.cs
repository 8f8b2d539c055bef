using System.Data.Common;
using System.Runtime.CompilerServices;
using Osprey.Core.Modules;
using Osprey.Core.Rpc;
using Osprey.Core.Timers;
using Osprey.Data;

namespace Osprey.Modules.Usrloc;

/// <summary>
/// usrloc: the location tables registrar writes and lookup reads. Bindings live in memory (sharded,
/// a lock per bucket) and, by db_mode, in the database: 0 memory only, 1 write-through, 2 write-back
/// on the timer, 3 database only. A timer every timer_interval seconds drops expired bindings and
/// does the write-back.
/// </summary>
[Module("usrloc")]
public sealed class UsrlocModule : ModuleBase, IDisposable
{
    private readonly Dictionary<string, LocationTable> _tables = new(StringComparer.Ordinal);
    private readonly object _tablesLock = new();
    private Database? _db;
    private Timer? _timer;
    private int _timerRunning;
    private TimerHandle _wheelHandle;
    private volatile bool _stopped;

    [ModParam("db_url")] public string DbUrl { get; set; } = "";
    [ModParam("db_mode")] public int DbMode { get; set; }
    [ModParam("timer_interval")] public int TimerInterval { get; set; } = 60;
    [ModParam("hash_size")] public int HashSize { get; set; } = 10;
    [ModParam("use_domain")] public int UseDomainParam { get; set; }
    [ModParam("desc_time_order")] public int DescTimeOrderParam { get; set; }
    [ModParam("matching_mode")] public int MatchingMode { get; set; }
    [ModParam("nat_bflag")] public int NatBflag { get; set; } = -1;
    [ModParam("server_id")] public int ServerId { get; set; }

    /// <summary>Tables to load at start-up, ';'-separated (the modparam may be given several times in Kamailio; here joined).</summary>
    [ModParam("preload")] public string Preload { get; set; } = "";

    /// <summary>The server's shared timing wheel; when set, the timer_interval job runs on it (handed to the
    /// thread pool, since a db_mode 2 flush does I/O), else on a private System.Threading.Timer.</summary>
    public TimingWheel? Wheel { get; set; }

    public bool UseDomain => UseDomainParam != 0;
    public bool DescTimeOrder => DescTimeOrderParam != 0;

    /// <summary>The clock (Unix seconds); tests move it.</summary>
    internal Func<long> Clock { get; set; } = static () => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public long Now() => Clock();

    /// <summary>Called for every binding the timer removes, with its table and AOR, outside the bucket lock
    /// (registrar runs event_route[usrloc:contact-expired] from here).</summary>
    public event Action<LocationTable, string, ContactBinding>? ContactExpired;

    [Stat("registered_users")] public long RegisteredUsers
    {
        get
        {
            long n = 0;
            foreach (var t in TablesSnapshot()) n += t.Users;
            return n;
        }
    }

    public override string? Init()
    {
        if (DbMode is < 0 or > 3) return "usrloc: db_mode must be 0, 1, 2 or 3 (got " + DbMode + ")";
        if (MatchingMode is < 0 or > 3) return "usrloc: matching_mode must be 0..3 (got " + MatchingMode + ")";
        if (HashSize is < 1 or > 20) return "usrloc: hash_size must be 1..20 (got " + HashSize + ")";
        if (TimerInterval <= 0) return "usrloc: timer_interval must be positive";
        if (DbMode != 0)
        {
            string url = string.IsNullOrEmpty(DbUrl) ? "" : DbUrl;
            if (!Database.TryOpen(url, out var db, out var err)) return "usrloc: db_mode " + DbMode + " needs db_url: " + err;
            _db = db;
        }
        foreach (var name in Preload.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var e = RegisterTable(name, out _);
            if (e is not null) return e;
        }
        if (Wheel is not null) ScheduleOnWheel();
        else _timer = new Timer(static s => ((UsrlocModule)s!).OnTimer(), this, TimeSpan.FromSeconds(TimerInterval), TimeSpan.FromSeconds(TimerInterval));
        return null;
    }

    private void ScheduleOnWheel()
    {
        if (_stopped) return;
        _wheelHandle = Wheel!.Schedule(TimeSpan.FromSeconds(TimerInterval), static s => ThreadPool.UnsafeQueueUserWorkItem(static m =>
        {
            var ul = (UsrlocModule)m!;
            ul.OnTimer();
            ul.ScheduleOnWheel();
        }, s), this);
    }

    /// <summary>Per-table statistics (Kamailio's <c>location_users</c>, <c>location_contacts</c>,
    /// <c>location_expires</c> in the usrloc group) are named after the table, so they are registered here
    /// rather than by [Stat].</summary>
    private void RegisterTableStatistics(LocationTable t)
    {
        if (Server?.Statistics is not { } reg || reg.TryGet("usrloc:" + t.Name + "_users", out _)) return;
        reg.RegisterComputed("usrloc", t.Name + "_users", static s => ((LocationTable)s!).Users, t);
        reg.RegisterComputed("usrloc", t.Name + "_contacts", static s => ((LocationTable)s!).Contacts, t);
        reg.RegisterComputed("usrloc", t.Name + "_expires", static s => ((LocationTable)s!).Expired, t);
    }

    /// <summary>Registers (or returns) a location table; registrar calls this for each table its script names.
    /// With a database, checks the table version and preloads it (db_mode 1, 2).</summary>
    public string? RegisterTable(string name, out LocationTable table)
    {
        lock (_tablesLock)
        {
            if (_tables.TryGetValue(name, out table!)) return null;
            LocationDb? ldb = null;
            if (_db is not null)
            {
                var err = _db.CheckTableVersion(name, Data.Schema.KamailioSchema.Location.Version);
                if (err is not null) return "usrloc: " + err;
                ldb = new LocationDb(_db, name, UseDomain);
            }
            table = new LocationTable(name, this, ldb);
            if (ldb is not null && DbMode is 1 or 2)
            {
                try
                {
                    table.Preload(Now());
                }
                catch (DbException ex)
                {
                    return "usrloc: cannot load table '" + name + "' from " + _db!.Url.Display + ": " + ex.Message;
                }
            }
            _tables[name] = table;
            RegisterTableStatistics(table);
            return null;
        }
    }

    /// <summary>The table of that name, registered on first use.</summary>
    public LocationTable Table(string name)
    {
        lock (_tablesLock)
        {
            if (_tables.TryGetValue(name, out var t)) return t;
        }
        var err = RegisterTable(name, out var table);
        if (err is not null) throw new InvalidOperationException(err);
        return table;
    }

    public bool TryGetTable(string name, out LocationTable table)
    {
        lock (_tablesLock) return _tables.TryGetValue(name, out table!);
    }

    private List<LocationTable> TablesSnapshot()
    {
        lock (_tablesLock) return [.. _tables.Values];
    }

    internal void OnExpired(LocationTable t, string aor, ContactBinding c)
    {
        try
        {
            ContactExpired?.Invoke(t, aor, c);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine("usrloc: contact-expired handler failed for " + aor + ": " + ex.Message);
        }
    }

    internal void ReportDbError(string what, DbException ex)
        => Osprey.Core.Logging.Logger.Process.Error("usrloc", "database error (" + what + ") on " + _db?.Url.Display + ": " + ex.Message);

    private void OnTimer()
    {
        if (Interlocked.Exchange(ref _timerRunning, 1) == 1) return; // previous run still busy
        try
        {
            RunTimer();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Osprey.Core.Logging.Logger.Process.Error("usrloc", "timer failed: " + ex);
        }
        finally
        {
            Volatile.Write(ref _timerRunning, 0);
        }
    }

    /// <summary>One timer run over every table (expiry; write-back in db_mode 2).</summary>
    internal void RunTimer()
    {
        long now = Now();
        foreach (var t in TablesSnapshot()) t.Sweep(now);
    }

    public override void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        if (Wheel is not null && !_wheelHandle.IsEmpty) Wheel.Cancel(_wheelHandle);
        _timer?.Dispose();
        _timer = null;
        if (DbMode == 2)
        {
            foreach (var t in TablesSnapshot()) t.Sweep(Now(), flushOnly: true);
        }
    }

    public void Dispose()
    {
        if (_db is null && _timer is null && _stopped) return; // already disposed
        Stop();
        _db?.Dispose();
        _db = null;
    }

    // ---- RPC (Kamailio's ul.* commands), typed; the RPC host formats them.

    /// <summary>
    /// ul.dump [brief]: every AOR of every table in Kamailio's shape (Domains / Domain / AoRs / Info /
    /// Contacts / Contact, with Stats), so kamcmd and kamctl print what they print for Kamailio. Written
    /// bucket by bucket while it is sent (no global lock, nothing materialised).
    /// </summary>
    [Rpc("ul.dump", "Dump the location tables: AORs with their contacts (ul.dump brief: AORs only)")]
    public void RpcDump(IRpcContext rpc)
    {
        bool brief = rpc.OptString(0) == "brief";
        long now = Now();
        using var top = rpc.Struct();
        using var domains = top.Array("Domains");
        var batch = new List<AorSnapshot>();
        foreach (var t in TablesSnapshot())
        {
            using var d0 = domains.Struct();
            using var domain = d0.Struct("Domain");
            domain.Add("Domain", t.Name).Add("Size", t.BucketCount);
            long records = 0, maxSlot = 0;
            using (var aors = domain.Array("AoRs"))
            {
                if (t.DbMode == 3)
                {
                    foreach (var snap in DumpFromDb(t))
                    {
                        WriteAor(aors, snap, brief, now);
                        records++;
                    }
                    maxSlot = Math.Min(records, 1);
                }
                else
                {
                    for (int i = 0; i < t.BucketCount; i++)
                    {
                        if (rpc.Aborted.IsCancellationRequested) return;
                        batch.Clear();
                        t.CopyBucket(i, batch);
                        foreach (var snap in batch) WriteAor(aors, snap, brief, now);
                        records += batch.Count;
                        maxSlot = Math.Max(maxSlot, batch.Count);
                    }
                }
            }
            using var stats = domain.Struct("Stats");
            stats.Add("Records", records).Add("Max-Slots", maxSlot);
        }
    }

    private static void WriteAor(RpcArray aors, AorSnapshot snap, bool brief, long now)
    {
        using var item = aors.Struct();
        if (brief)
        {
            item.Add("AoR", snap.Aor);
            return;
        }
        using var info = item.Struct("Info");
        info.Add("AoR", snap.Aor).Add("HashID", (long)snap.Hash);
        WriteContacts(info, snap, now);
    }

    /// <summary>Contacts as Kamailio lists them: one <c>Contact</c> struct each, unset values as "[not set]",
    /// Expires as seconds left ("permanent", "expired").</summary>
    private static void WriteContacts(RpcStruct parent, AorSnapshot snap, long now)
    {
        const string NotSet = "[not set]";
        using var contacts = parent.Array("Contacts");
        foreach (var c in snap.Contacts)
        {
            using var item = contacts.Struct();
            using var ct = item.Struct("Contact");
            ct.Add("Address", c.Contact);
            long left = c.SecondsLeft(now);
            if (c.Expires == 0) ct.Add("Expires", "permanent");
            else if (left <= 0) ct.Add("Expires", "expired");
            else ct.Add("Expires", left);
            if (c.Q < 0) ct.Add("Q", -1);
            else ct.Add("Q", c.Q / 1000.0);
            ct.Add("Call-ID", c.CallId).Add("CSeq", c.CSeq).Add("User-Agent", c.UserAgent)
              .Add("Received", string.IsNullOrEmpty(c.Received) ? NotSet : c.Received)
              .Add("Path", string.IsNullOrEmpty(c.Path) ? NotSet : c.Path)
              .Add("State", "CS_NEW")
              .Add("Flags", (long)c.Flags).Add("CFlags", (long)c.CFlags)
              .Add("Socket", string.IsNullOrEmpty(c.Socket) ? NotSet : c.Socket)
              .Add("Methods", c.Methods)
              .Add("Ruid", c.Ruid)
              .Add("Instance", string.IsNullOrEmpty(c.Instance) ? NotSet : c.Instance)
              .Add("Reg-Id", c.RegId).Add("Server-Id", c.ServerId).Add("Tcpconn-Id", c.ConnectionId)
              .Add("Keepalive", c.KeepAlive).Add("Last-Keepalive", c.LastModified).Add("KA-Roundtrip", 0)
              .Add("Last-Modified", c.LastModified);
        }
    }

    /// <summary>Every AOR of every table (or of one), typed, bucket by bucket (for C# callers; RPC clients use ul.dump).</summary>
    public async IAsyncEnumerable<AorSnapshot> Dump(string? table = null, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        var batch = new List<AorSnapshot>();
        foreach (var t in TablesSnapshot())
        {
            if (table is not null && t.Name != table) continue;
            if (t.DbMode == 3)
            {
                foreach (var s in DumpFromDb(t)) yield return s;
                continue;
            }
            for (int i = 0; i < t.BucketCount; i++)
            {
                cancel.ThrowIfCancellationRequested();
                batch.Clear();
                t.CopyBucket(i, batch);
                foreach (var s in batch) yield return s;
                if ((i & 63) == 63) await Task.Yield();
            }
        }
    }

    private static IEnumerable<AorSnapshot> DumpFromDb(LocationTable t)
    {
        var aors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (aor, _) in t.Db!.LoadAll()) aors.Add(aor);
        foreach (var aor in aors)
        {
            var s = Lookup(t, aor);
            if (s is not null) yield return s;
        }
    }

    /// <summary>ul.lookup table AOR, in Kamailio's shape: <c>{AoR, Contacts: [{Contact: {...}}]}</c>.</summary>
    [Rpc("ul.lookup", "Show the contacts of an AOR: ul.lookup table AOR")]
    public void RpcLookup(IRpcContext rpc)
    {
        string table = rpc.GetString(0), aor = rpc.GetString(1);
        if (!TryGetTable(table, out var t))
        {
            rpc.Fault(500, "Table not found");
            return;
        }
        var snap = Lookup(t, aor);
        if (snap is null)
        {
            rpc.Fault(404, "AOR not found");
            return;
        }
        using var top = rpc.Struct();
        top.Add("AoR", snap.Aor);
        WriteContacts(top, snap, Now());
    }

    /// <summary>The bindings of an AOR in a table (for C# callers; RPC clients use ul.lookup).</summary>
    public AorSnapshot? LookupAor(string table, string aor) => TryGetTable(table, out var t) ? Lookup(t, aor) : null;

    internal static AorSnapshot? Lookup(LocationTable t, string aor)
    {
        using var l = t.Lock(aor);
        return l.Record is null ? null : AorSnapshot.Of(t.Name, l.Record);
    }

    /// <summary>ul.rm table AOR: removes every binding of the AOR.</summary>
    [Rpc("ul.rm", "Remove an AOR and its contacts: ul.rm table AOR")]
    public RpcStatus RemoveAor(string table, string aor)
    {
        if (!TryGetTable(table, out var t)) return RpcStatus.NotFound("table '" + table + "' not found");
        using var l = t.Lock(aor);
        if (l.Record is null) return RpcStatus.NotFound("AOR not found");
        return l.DeleteAll() ? RpcStatus.Ok : RpcStatus.Internal("database error removing " + aor);
    }

    /// <summary>ul.rm_contact table AOR contact.</summary>
    [Rpc("ul.rm_contact", "Remove one contact of an AOR: ul.rm_contact table AOR contact")]
    public RpcStatus RemoveContact(string table, string aor, string contact)
    {
        if (!TryGetTable(table, out var t)) return RpcStatus.NotFound("table '" + table + "' not found");
        using var l = t.Lock(aor);
        if (l.Record is null) return RpcStatus.NotFound("AOR not found");
        for (int i = 0; i < l.Record.Count; i++)
        {
            if (string.Equals(l.Record[i].Contact, contact, StringComparison.Ordinal))
            {
                return l.Delete(l.Record[i]) ? RpcStatus.Ok : RpcStatus.Internal("database error");
            }
        }
        return RpcStatus.NotFound("Contact not found");
    }

    /// <summary>ul.add table AOR contact expires q path flags cflags methods: adds or replaces a binding
    /// (expires 0 makes it permanent).</summary>
    [Rpc("ul.add", "Add a contact: ul.add table AOR contact expires q path flags cflags methods")]
    public RpcStatus AddContact(string table, string aor, string contact, int expires, double q, string? path = null, int flags = 0, int cflags = 0, int methods = -1)
    {
        if (expires < 0 || q is < -1 or > 1) return RpcStatus.BadParams("bad expires or q");
        var err = RegisterTable(table, out var t);
        if (err is not null) return RpcStatus.Internal(err);
        long now = Now();
        using var l = t.Lock(aor);
        ContactBinding? c = null;
        if (l.Record is not null)
        {
            for (int i = 0; i < l.Record.Count; i++)
            {
                if (string.Equals(l.Record[i].Contact, contact, StringComparison.Ordinal)) c = l.Record[i];
            }
        }
        bool isNew = c is null;
        c ??= t.NewBinding(contact);
        c.Expires = expires == 0 ? 0 : now + expires;
        c.Q = q < 0 ? -1 : (int)Math.Round(q * 1000);
        c.Path = string.IsNullOrEmpty(path) ? null : path;
        c.Flags = (uint)flags;
        c.CFlags = (uint)cflags;
        c.Methods = methods;
        c.CallId = "osprey-rpc-" + c.Ruid;
        c.CSeq = 1;
        c.UserAgent = "osprey rpc";
        c.LastModified = now;
        bool ok = isNew ? l.Insert(c) : l.Update(c);
        return ok ? RpcStatus.Ok : RpcStatus.Internal("database error");
    }

    /// <summary>ul.flush: runs the timer now (expiry and, in db_mode 2, the write-back).</summary>
    [Rpc("ul.flush", "Flush the location tables to the database and drop expired contacts")]
    public RpcStatus Flush()
    {
        RunTimer();
        return RpcStatus.Ok;
    }

    /// <summary>Per-table statistics with Kamailio's names: "location_users", "location_contacts", "location_expires".</summary>
    public IEnumerable<KeyValuePair<string, long>> TableStatistics()
    {
        foreach (var t in TablesSnapshot())
        {
            yield return new(t.Name + "_users", t.Users);
            yield return new(t.Name + "_contacts", t.Contacts);
            yield return new(t.Name + "_expires", t.Expired);
        }
    }
}

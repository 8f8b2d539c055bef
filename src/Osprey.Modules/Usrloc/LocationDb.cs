using Osprey.Data;

namespace Osprey.Modules.Usrloc;

/// <summary>Rows of a location table (Kamailio's columns) to and from <see cref="ContactBinding"/>.</summary>
internal sealed class LocationDb(Database db, string table, bool useDomain)
{
    internal static readonly string[] Columns =
    [
        "ruid", "username", "domain", "contact", "received", "path", "expires", "q", "callid", "cseq", "last_modified",
        "flags", "cflags", "user_agent", "socket", "methods", "instance", "reg_id", "server_id", "connection_id", "keepalive",
    ];

    public Database Db => db;
    public string Table => table;

    private static DateTime ToDb(long unix) => DateTime.SpecifyKind(DateTime.UnixEpoch.AddSeconds(unix), DateTimeKind.Unspecified);
    private static long FromDb(DateTime d) => d <= DateTime.UnixEpoch.AddSeconds(1) ? 0 : (long)(d - DateTime.UnixEpoch).TotalSeconds;

    public void SplitAor(string aor, out string user, out string? domain)
    {
        int at = useDomain ? aor.IndexOf('@') : -1;
        if (at < 0)
        {
            user = aor;
            domain = null;
            return;
        }
        user = aor[..at];
        domain = aor[(at + 1)..];
    }

    public DbField[] Row(string aor, ContactBinding c)
    {
        SplitAor(aor, out var user, out var domain);
        return
        [
            new("ruid", c.Ruid), new("username", user), new("domain", domain), new("contact", c.Contact), new("received", c.Received),
            new("path", c.Path), new("expires", ToDb(c.Expires)), new("q", c.Q < 0 ? -1.0 : c.Q / 1000.0), new("callid", c.CallId),
            new("cseq", c.CSeq), new("last_modified", ToDb(c.LastModified)), new("flags", (int)c.Flags), new("cflags", (int)c.CFlags),
            new("user_agent", c.UserAgent), new("socket", c.Socket), new("methods", c.Methods < 0 ? null : c.Methods),
            new("instance", c.Instance), new("reg_id", c.RegId), new("server_id", c.ServerId), new("connection_id", (int)c.ConnectionId),
            new("keepalive", c.KeepAlive),
        ];
    }

    public void Upsert(string aor, ContactBinding c) => db.Replace(table, Row(aor, c), ["ruid"]);

    public void Delete(string ruid) => db.Delete(table, [DbCondition.Eq("ruid", ruid)]);

    public void DeleteAor(string aor)
    {
        SplitAor(aor, out var user, out var domain);
        db.Delete(table, domain is null ? [DbCondition.Eq("username", user)] : [DbCondition.Eq("username", user), DbCondition.Eq("domain", domain)]);
    }

    /// <summary>Removes rows whose expiry passed (never the permanent ones, stored with the epoch).</summary>
    public int DeleteExpired(long now)
        => db.Execute("DELETE FROM " + table + " WHERE expires < @p0 AND expires > @p1", [ToDb(now), ToDb(1)]);

    /// <summary>Every binding of one AOR (db_mode 3).</summary>
    public List<ContactBinding> Load(string aor)
    {
        SplitAor(aor, out var user, out var domain);
        var rows = db.Select(table, Columns, domain is null ? [DbCondition.Eq("username", user)] : [DbCondition.Eq("username", user), DbCondition.Eq("domain", domain)]);
        var list = new List<ContactBinding>(rows.Count);
        foreach (var r in rows) list.Add(FromRow(r, out _));
        return list;
    }

    /// <summary>Every row, with its AOR (preload).</summary>
    public IEnumerable<(string Aor, ContactBinding Contact)> LoadAll()
    {
        foreach (var r in db.Select(table, Columns))
        {
            var c = FromRow(r, out var aor);
            yield return (aor, c);
        }
    }

    private ContactBinding FromRow(DbRow r, out string aor)
    {
        string user = r.GetString(1) ?? "";
        string? domain = r.GetString(2);
        aor = useDomain && !string.IsNullOrEmpty(domain) ? user + "@" + domain : user;
        double q = r.GetDouble(7, -1);
        return new ContactBinding
        {
            Ruid = r.GetString(0) ?? "",
            Contact = r.GetString(3) ?? "",
            Received = NullIfEmpty(r.GetString(4)),
            Path = NullIfEmpty(r.GetString(5)),
            Expires = FromDb(r.GetDateTime(6)),
            Q = q < 0 ? -1 : (int)Math.Round(q * 1000),
            CallId = r.GetString(8) ?? "",
            CSeq = (int)r.GetInt64(9),
            LastModified = FromDb(r.GetDateTime(10)),
            Flags = (uint)r.GetInt64(11),
            CFlags = (uint)r.GetInt64(12),
            UserAgent = r.GetString(13) ?? "",
            Socket = NullIfEmpty(r.GetString(14)),
            Methods = r.IsNull(15) ? -1 : (int)r.GetInt64(15),
            Instance = NullIfEmpty(r.GetString(16)),
            RegId = (int)r.GetInt64(17),
            ServerId = (int)r.GetInt64(18),
            ConnectionId = r.GetInt64(19),
            KeepAlive = (int)r.GetInt64(20),
            SyncState = DbSyncState.Clean,
        };
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

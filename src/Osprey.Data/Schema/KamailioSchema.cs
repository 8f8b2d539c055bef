namespace Osprey.Data.Schema;

/// <summary>
/// The tables Osprey's modules use, with Kamailio's table names, column names, types, defaults,
/// indexes and versions, so existing databases and provisioning tools keep working.
/// </summary>
public static class KamailioSchema
{
    public const string VersionTable = "version";

    private static ColumnDef S(string n, int size, string? def = "", bool nullable = false)
        => new(n, ColumnType.String, size, nullable, def, def is not null || nullable);
    private static ColumnDef SNull(string n, int size) => new(n, ColumnType.String, size, true, null, true);
    private static ColumnDef SReq(string n, int size) => new(n, ColumnType.String, size, false, null, false);
    private static ColumnDef I(string n, long def) => new(n, ColumnType.Int, 0, false, def, true);
    private static ColumnDef IReq(string n) => new(n, ColumnType.Int, 0, false, null, false);
    private static ColumnDef T(string n, string def) => new(n, ColumnType.DateTime, 0, false, def, true);

    /// <summary>Kamailio's default expiry of a location row (a fixed date in its schema).</summary>
    public const string DefaultExpires = "2030-05-28 21:32:15";
    public const string DefaultLastModified = "2000-01-01 00:00:01";

    public static readonly TableDef Version = new(VersionTable, 1,
        [SReq("table_name", 32), I("table_version", 0)],
        [new IndexDef("version_table_name_idx", true, "table_name")]);

    private static ColumnDef[] LocationColumns(int contactSize, int receivedSize) =>
    [
        S("ruid", 64), S("username", 64), SNull("domain", 64), S("contact", contactSize), SNull("received", receivedSize),
        SNull("path", 512), T("expires", DefaultExpires), new("q", ColumnType.Float, 0, false, 1.0, true),
        S("callid", 255, "Default-Call-ID"), I("cseq", 1), T("last_modified", DefaultLastModified), I("flags", 0), I("cflags", 0),
        S("user_agent", 255), SNull("socket", 64), new("methods", ColumnType.Int, 0, true, null, true), SNull("instance", 255),
        I("reg_id", 0), I("server_id", 0), I("connection_id", 0), I("keepalive", 0), I("partition", 0),
    ];

    public static readonly TableDef Location = new("location", 9, LocationColumns(512, 128),
    [
        new IndexDef("location_ruid_idx", true, "ruid"),
        new IndexDef("location_account_contact_idx", false, "username", "domain", "contact"),
        new IndexDef("location_expires_idx", false, "expires"),
        new IndexDef("location_tcpcon_idx", false, "connection_id"),
        new IndexDef("location_connection_idx", false, "server_id", "connection_id"),
    ]);

    public static readonly TableDef LocationAttrs = new("location_attrs", 1,
        [S("ruid", 64), S("username", 64), SNull("domain", 64), S("aname", 64), I("atype", 0), S("avalue", 512), T("last_modified", DefaultLastModified)],
        [
            new IndexDef("location_attrs_account_record_idx", false, "username", "domain", "ruid"),
            new IndexDef("location_attrs_last_modified_idx", false, "last_modified"),
        ]);

    public static readonly TableDef Aliases = new("aliases", 8, LocationColumns(255, 255),
    [
        new IndexDef("aliases_ruid_idx", true, "ruid"),
        new IndexDef("aliases_account_contact_idx", false, "username", "domain", "contact"),
        new IndexDef("aliases_expires_idx", false, "expires"),
    ]);

    public static readonly TableDef Subscriber = new("subscriber", 7,
        [S("username", 64), S("domain", 64), S("password", 64), S("ha1", 128), S("ha1b", 128)],
        [new IndexDef("subscriber_account_idx", true, "username", "domain"), new IndexDef("subscriber_username_idx", false, "username")]);

    public static readonly TableDef Domain = new("domain", 2,
        [SReq("domain", 64), SNull("did", 64), T("last_modified", DefaultLastModified)],
        [new IndexDef("domain_domain_idx", true, "domain")]);

    public static readonly TableDef DomainAttrs = new("domain_attrs", 1,
        [SReq("did", 64), SReq("name", 32), IReq("type"), SReq("value", 255), T("last_modified", DefaultLastModified)],
        [new IndexDef("domain_attrs_domain_attrs_idx", false, "did", "name")]);

    public static readonly TableDef Trusted = new("trusted", 6,
        [SReq("src_ip", 50), SReq("proto", 4), SNull("from_pattern", 64), SNull("ruri_pattern", 64), new("tag", ColumnType.String, 64, true), I("priority", 0)],
        [new IndexDef("trusted_peer_idx", false, "src_ip")]);

    public static readonly TableDef Address = new("address", 6,
        [I("grp", 1), SReq("ip_addr", 50), I("mask", 32), new("port", ColumnType.SmallInt, 0, false, 0L, true), new("tag", ColumnType.String, 64, true)],
        []);

    public static readonly TableDef DbAliases = new("dbaliases", 1,
        [S("alias_username", 64), S("alias_domain", 64), S("username", 64), S("domain", 64)],
        [
            new IndexDef("dbaliases_alias_user_idx", false, "alias_username"),
            new IndexDef("dbaliases_alias_idx", false, "alias_username", "alias_domain"),
            new IndexDef("dbaliases_target_idx", false, "username", "domain"),
        ]);

    // acc: what the transaction was (method, tags, Call-ID), how it ended (sip_code, sip_reason) and when.
    // db_extra names further columns an operator adds (Debian's kamailio.cfg lists the ALTER TABLEs).
    private static ColumnDef[] AccColumns() =>
    [
        S("method", 16), S("from_tag", 128), S("to_tag", 128), S("callid", 255), S("sip_code", 3), S("sip_reason", 128),
        new("time", ColumnType.DateTime, 0, false, null, false),
    ];

    public static readonly TableDef Acc = new("acc", 5, AccColumns(), [new IndexDef("acc_callid_idx", false, "callid")]);

    public static readonly TableDef AccCdrs = new("acc_cdrs", 2,
        [T("start_time", "2000-01-01 00:00:00"), T("end_time", "2000-01-01 00:00:00"), new("duration", ColumnType.Float, 0, false, 0.0, true)],
        [new IndexDef("acc_cdrs_start_time_idx", false, "start_time")]);

    public static readonly TableDef MissedCalls = new("missed_calls", 4, AccColumns(), [new IndexDef("missed_calls_callid_idx", false, "callid")]);

    /// <summary>Every table, the version table first.</summary>
    public static readonly IReadOnlyList<TableDef> All = [Version, Location, LocationAttrs, Aliases, Subscriber, Domain, DomainAttrs, Trusted, Address, DbAliases, Acc, AccCdrs, MissedCalls];

    public static TableDef? Find(string name)
    {
        foreach (var t in All)
        {
            if (string.Equals(t.Name, name, StringComparison.Ordinal)) return t;
        }
        return null;
    }
}

using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Usrloc;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Registrar;

public sealed partial class RegistrarModule
{
    [ThreadStatic] private static Dictionary<string, AorSnapshot?>? t_profiles;

    /// <summary>lookup(table): Request-URI ← best binding, $du ← its Path's first hop or received address,
    /// the other bindings → branches (append_branches). 1 found, -1 none, -2 method not allowed, -3 error.</summary>
    [Function("lookup", RouteTypes.Request | RouteTypes.Failure)]
    public int Lookup(MessageContext ctx, string table) => LookupCore(ctx, table, null, toBranches: false);

    [Function("lookup", RouteTypes.Request | RouteTypes.Failure)]
    public int Lookup(MessageContext ctx, string table, string uri) => LookupCore(ctx, table, uri, toBranches: false);

    /// <summary>lookup_to_dset(table[, uri]): like lookup, but every binding becomes a branch; the Request-URI stays.</summary>
    [Function("lookup_to_dset", RouteTypes.Request | RouteTypes.Failure)]
    public int LookupToDset(MessageContext ctx, string table) => LookupCore(ctx, table, null, toBranches: true);

    [Function("lookup_to_dset", RouteTypes.Request | RouteTypes.Failure)]
    public int LookupToDset(MessageContext ctx, string table, string uri) => LookupCore(ctx, table, uri, toBranches: true);

    private string CurrentRequestUri(MessageContext ctx) => ctx.NewRequestUri ?? Encoding.UTF8.GetString(ctx.Message.RequestUriText);

    private int LookupCore(MessageContext ctx, string tableName, string? uriText, bool toBranches)
    {
        if (!Ul.TryGetTable(tableName, out var table) && Ul.RegisterTable(tableName, out table) is not null) return -3;
        SipUri uri;
        if (uriText is null && ctx.NewRequestUri is null)
        {
            uri = ctx.Message.RequestUri; // already parsed: no copy
        }
        else if (!SipUri.TryParse(Encoding.UTF8.GetBytes(uriText ?? ctx.NewRequestUri!), out uri))
        {
            return -3;
        }
        string? gr = null;
        string aor;
        if (GruuEnabled != 0 && uri.TryGetParam("gr"u8, out var grv) && grv.IsEmpty && uri.User.StartsWith("tgruu."u8))
        {
            // RFC 5627 §3.2: a temporary GRUU names AOR and instance in its (encrypted) user part
            if (!_tempGruu.TryDecode(uri.User["tgruu."u8.Length..], out aor, out var inst)) return -1;
            gr = inst;
        }
        else
        {
            if (!Aor.TryKey(uri, CaseSensitive != 0, UseDomain, out aor, RealmPrefix, table)) return -3;
            // RFC 5627 §6: a public GRUU (gr=instance) selects the binding of that instance
            if (GruuEnabled != 0 && uri.TryGetParam("gr"u8, out var pg) && !pg.IsEmpty) gr = Encoding.UTF8.GetString(pg);
        }

        long now = Ul.Now();
        int found = 0, filtered = 0;
        // method_filtering: an initial request goes only to contacts that accept its method
        int methodBit = MethodFiltering != 0 && !ctx.Message.To.HasTag ? MethodSet.Bit(ctx.Message.Method) : 0;
        using (var l = table.Lock(aor))
        {
            var rec = l.Record;
            for (int i = 0; rec is not null && i < rec.Count; i++)
            {
                var b = rec[i];
                if (b.IsExpired(now)) continue;
                if (gr is not null && b.Instance != gr) continue;
                if (methodBit != 0 && b.Methods != -1 && (b.Methods & methodBit) == 0)
                {
                    filtered++;
                    continue;
                }
                if (found == 0 && !toBranches)
                {
                    // strings are immutable: the context shares them with the binding, nothing is copied
                    ctx.NewRequestUri = b.Contact;
                    ctx.DestinationUri = DestinationOf(b);
                    if (b.Socket is not null && ListenerOf(ctx, b.Socket) is { } sock) ctx.SendSocket = sock;
                    ctx.PathVector = UsePath != 0 ? b.Path : null;
                    ctx.Ruid = b.Ruid;
                    ctx.Instance = b.Instance;
                    found++;
                    if (AppendBranches == 0) break;
                    continue;
                }
                // several flows of one instance all become branches, as in Kamailio: tm forks to one of
                // them (RFC 5626 §5.3) and t_next_contact_flow() moves on to the next when it fails
                ctx.Branches.Add(new Destination
                {
                    Uri = b.Contact,
                    DestinationUri = DestinationOf(b),
                    Path = UsePath != 0 ? b.Path : null,
                    Q = b.Q,
                    Instance = b.Instance,
                    Ruid = b.Ruid,
                    Socket = b.Socket is null ? null : ListenerOf(ctx, b.Socket),
                    Flags = b.CFlags,
                });
                found++;
            }
        }
        return found > 0 ? 1 : filtered > 0 ? -2 : -1;
    }

    private string? DestinationOf(ContactBinding b)
    {
        if (UsePath != 0 && b.Path is not null)
        {
            if (PathUseReceived != 0 && b.Received is not null) return b.Received;
            return Aor.FirstHop(b.Path);
        }
        return b.Received;
    }

    /// <summary>lookup_branches(table): lookup on the Request-URI and on every branch that is only a URI.</summary>
    [Function("lookup_branches", RouteTypes.Request | RouteTypes.Failure)]
    public int LookupBranches(MessageContext ctx, string table)
    {
        var existing = ctx.Branches;
        var plain = new List<Destination>(existing.Count);
        var kept = new List<Destination>(existing.Count);
        for (int i = 0; i < existing.Count; i++)
        {
            var b = existing[i];
            if (b.DestinationUri is null && b.Path is null && b.Socket is null && string.IsNullOrEmpty(b.Ruid)) plain.Add(b);
            else kept.Add(b);
        }
        existing.Clear();
        foreach (var b in kept) existing.Add(b);
        int ret = LookupCore(ctx, table, null, toBranches: false);
        foreach (var b in plain)
        {
            int r = LookupCore(ctx, table, b.Uri, toBranches: true);
            if (r == -1) ctx.Branches.Add(b); // not registered here: keep the branch as it was
            if (r > 0 && ret < 0) ret = r;
        }
        return ret;
    }

    /// <summary>registered(table[, uri]): 1 when the AOR (Request-URI by default) has a live binding, else -1.</summary>
    [Function("registered", RouteTypes.Any)]
    public int Registered(MessageContext ctx, string table) => RegisteredCore(ctx, table, null);

    [Function("registered", RouteTypes.Any)]
    public int Registered(MessageContext ctx, string table, string uri) => RegisteredCore(ctx, table, uri);

    private int RegisteredCore(MessageContext ctx, string tableName, string? uriText)
    {
        if (!Ul.TryGetTable(tableName, out var table)) return -1;
        if (uriText is null)
        {
            uriText = ctx.Message.IsRequest ? CurrentRequestUri(ctx) : ctx.Message.To.UriString;
        }
        if (!Aor.TryKey(uriText, CaseSensitive != 0, UseDomain, out var aor, RealmPrefix)) return -1;
        long now = Ul.Now();
        using var l = table.Lock(aor);
        if (l.Record is null) return -1;
        for (int i = 0; i < l.Record.Count; i++)
        {
            if (!l.Record[i].IsExpired(now)) return 1;
        }
        return -1;
    }

    /// <summary>unregister(table, uri[, ruid]): removes the AOR's bindings (or one, by ruid).
    /// 1 done, -1 bad URI, -2 error, -3 not found.</summary>
    [Function("unregister", RouteTypes.Any)]
    public int Unregister(MessageContext ctx, string table, string uri) => UnregisterCore(table, uri, null);

    [Function("unregister", RouteTypes.Any)]
    public int Unregister(MessageContext ctx, string table, string uri, string ruid) => UnregisterCore(table, uri, ruid);

    internal int UnregisterCore(string tableName, string uri, string? ruid)
    {
        if (!Ul.TryGetTable(tableName, out var table)) return -3;
        if (!Aor.TryKey(uri, CaseSensitive != 0, UseDomain, out var aor, RealmPrefix)) return -1;
        using var l = table.Lock(aor);
        if (l.Record is null) return -3;
        if (string.IsNullOrEmpty(ruid)) return l.DeleteAll() ? 1 : -2;
        for (int i = 0; i < l.Record.Count; i++)
        {
            if (l.Record[i].Ruid == ruid) return l.Delete(l.Record[i]) ? 1 : -2;
        }
        return -3;
    }

    /// <summary>reg_fetch_contacts(table, uri, profile): copies the AOR's bindings into $ulc(profile=>...).
    /// 1 found, -1 none.</summary>
    [Function("reg_fetch_contacts", RouteTypes.Request | RouteTypes.Failure)]
    public int FetchContacts(MessageContext ctx, string table, string uri, string profile)
    {
        var profiles = t_profiles ??= new Dictionary<string, AorSnapshot?>(StringComparer.Ordinal);
        profiles[profile] = null;
        if (!Ul.TryGetTable(table, out var t)) return -1;
        if (!Aor.TryKey(uri, CaseSensitive != 0, UseDomain, out var aor, RealmPrefix)) return -1;
        var snap = UsrlocModule.Lookup(t, aor);
        profiles[profile] = snap;
        return snap is null ? -1 : 1;
    }

    /// <summary>reg_free_contacts(profile).</summary>
    [Function("reg_free_contacts", RouteTypes.Request | RouteTypes.Failure)]
    public int FreeContacts(MessageContext ctx, string profile)
    {
        t_profiles?.Remove(profile);
        return 1;
    }

    /// <summary>$ulc(profile=>attr) and $ulc(profile=>attr[i]) after reg_fetch_contacts (per receiving thread, as
    /// Kamailio keeps them per process).</summary>
    [PseudoVar("ulc")]
    public PvValue GetUlc(MessageContext ctx, string? inner)
    {
        if (inner is null) return PvValue.Null;
        int arrow = inner.IndexOf("=>", StringComparison.Ordinal);
        if (arrow <= 0) return PvValue.Null;
        string profile = inner[..arrow].Trim();
        string attr = inner[(arrow + 2)..].Trim();
        int idx = 0;
        int br = attr.IndexOf('[');
        if (br > 0 && attr.EndsWith(']'))
        {
            if (!int.TryParse(attr.AsSpan(br + 1, attr.Length - br - 2), out idx)) return PvValue.Null;
            attr = attr[..br];
        }
        if (t_profiles is null || !t_profiles.TryGetValue(profile, out var snap) || snap is null)
        {
            return attr == "count" ? PvValue.FromInt(0) : PvValue.Null;
        }
        switch (attr)
        {
            case "aor": return PvValue.FromString(snap.Aor);
            case "domain": return PvValue.FromString(snap.Table);
            case "aorhash": return PvValue.FromInt(snap.Hash);
            case "count": return PvValue.FromInt(snap.Contacts.Count);
        }
        if (idx < 0) idx += snap.Contacts.Count;
        if (idx < 0 || idx >= snap.Contacts.Count) return PvValue.Null;
        var c = snap.Contacts[idx];
        long now = Ul.Now();
        return attr switch
        {
            "addr" => PvValue.FromString(c.Contact),
            "path" => PvValue.FromString(c.Path),
            "received" => PvValue.FromString(c.Received),
            "expires" => PvValue.FromInt(c.Expires == 0 ? 0 : Math.Max(0, c.Expires - now)),
            "callid" => PvValue.FromString(c.CallId),
            "q" => PvValue.FromInt(c.Q),
            "cseq" => PvValue.FromInt(c.CSeq),
            "flags" => PvValue.FromInt(c.Flags),
            "cflags" => PvValue.FromInt(c.CFlags),
            "user_agent" => PvValue.FromString(c.UserAgent),
            "socket" => PvValue.FromString(c.Socket),
            "modified" => PvValue.FromInt(c.LastModified),
            "methods" => PvValue.FromInt(c.Methods),
            "ruid" => PvValue.FromString(c.Ruid),
            "regid" => PvValue.FromInt(c.RegId),
            "instance" => PvValue.FromString(c.Instance),
            "conid" => c.ConnectionId < 0 ? PvValue.Null : PvValue.FromInt(c.ConnectionId),
            _ => PvValue.Null,
        };
    }
}

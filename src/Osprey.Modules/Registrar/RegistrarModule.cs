using System.Globalization;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Usrloc;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Registrar;

/// <summary>
/// registrar: REGISTER processing (RFC 3261 §10.3, Path RFC 3327, outbound RFC 5626, GRUU RFC 5627)
/// into usrloc, and lookup of bindings for routing. Script functions follow Kamailio's names and
/// return codes.
/// </summary>
[Module("registrar")]
public sealed partial class RegistrarModule : ModuleBase, IScriptFixup
{
    /// <summary>save() flags (Kamailio's values).</summary>
    [Flags]
    public enum SaveFlags
    {
        None = 0,
        MemoryOnly = 0x01,
        NoReply = 0x02,
        SingleContact = 0x04,
        NoExpiresRange = 0x08,
        PrepareReply = 0x10,
    }

    private const int MaxContactsPerRequest = 64;
    [ThreadStatic] private static NameAddr[]? t_contacts;
    [ThreadStatic] private static PendingContact[]? t_pending;
    [ThreadStatic] private static byte[]? t_reply;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Osprey.Transport.ListenEndpoint, string> _socketNames = new();

    [ModParam("default_expires")] public int DefaultExpires { get; set; } = 3600;
    [ModParam("default_expires_range")] public int DefaultExpiresRange { get; set; }
    [ModParam("expires_range")] public int ExpiresRange { get; set; }
    [ModParam("realm_prefix")] public string RealmPrefix { get; set; } = "";
    [ModParam("min_expires")] public int MinExpires { get; set; } = 60;
    [ModParam("min_expires_mode")] public int MinExpiresMode { get; set; }
    [ModParam("max_expires")] public int MaxExpires { get; set; }

    /// <summary>q for contacts without one, in thousandths (0..1000); -1 leaves it unspecified.</summary>
    [ModParam("default_q")] public int DefaultQ { get; set; } = -1;
    [ModParam("append_branches")] public int AppendBranches { get; set; } = 1;
    [ModParam("case_sensitive")] public int CaseSensitive { get; set; }
    [ModParam("received_avp")] public string ReceivedAvp { get; set; } = "";
    [ModParam("received_param")] public string ReceivedParam { get; set; } = "received";
    [ModParam("max_contacts")] public int MaxContacts { get; set; }
    [ModParam("retry_after")] public int RetryAfter { get; set; }
    [ModParam("use_path")] public int UsePath { get; set; }
    [ModParam("path_mode")] public int PathMode { get; set; } = 2;
    [ModParam("path_use_received")] public int PathUseReceived { get; set; }
    [ModParam("gruu_enabled")] public int GruuEnabled { get; set; } = 1;

    /// <summary>Osprey: key for temporary GRUUs, shared by nodes that must resolve each other's; random when empty.</summary>
    [ModParam("gruu_secret")] public string GruuSecret { get; set; } = "";
    private TempGruu _tempGruu = null!;
    [ModParam("outbound_mode")] public int OutboundMode { get; set; }
    [ModParam("regid_mode")] public int RegidMode { get; set; }
    [ModParam("method_filtering")] public int MethodFiltering { get; set; }

    private long _accepted;
    private long _rejected;

    [Stat("accepted_regs")] public long AcceptedRegs => Interlocked.Read(ref _accepted);
    [Stat("rejected_regs")] public long RejectedRegs => Interlocked.Read(ref _rejected);
    [Stat("max_expires", NoReset = true)] public long MaxExpiresStat => MaxExpires;
    [Stat("max_contacts", NoReset = true)] public long MaxContactsStat => MaxContacts;
    // Kamailio 5.6 registers the default_expires parameter's statistic as "default_expire" (its manual says
    // default_expires); kamcmd lists these three, so they carry those names.
    [Stat("default_expire", NoReset = true)] public long DefaultExpiresStat => DefaultExpires;
    [Stat("default_expires_range", NoReset = true)] public long DefaultExpiresRangeStat => DefaultExpiresRange;
    [Stat("expires_range", NoReset = true)] public long ExpiresRangeStat => ExpiresRange;

    /// <summary>The usrloc module this registrar writes to; the host sets it (loadmodule "usrloc.so" is required).</summary>
    public UsrlocModule? Usrloc { get; set; }

    private UsrlocModule Ul => Usrloc!;

    public override string? Init()
    {
        if (Usrloc is null) return "registrar: needs the usrloc module (loadmodule \"usrloc.so\")";
        _tempGruu = new TempGruu(GruuSecret);
        if (PathMode is < 0 or > 2) return "registrar: path_mode must be 0, 1 or 2";
        if (OutboundMode is < 0 or > 2) return "registrar: outbound_mode must be 0, 1 or 2";
        if (DefaultQ is < -1 or > 1000) return "registrar: default_q must be 0..1000";
        if (DefaultExpires < 0 || MinExpires < 0 || MaxExpires < 0) return "registrar: expires parameters must not be negative";
        if (DefaultExpiresRange is < 0 or > 100 || ExpiresRange is < 0 or > 100) return "registrar: default_expires_range and expires_range are percentages (0..100)";
        if (ReceivedAvp.Length > 0)
        {
            // "$avp(RECEIVED)", "$avp(s:rcv)" or the bare name
            string n = ReceivedAvp.Trim();
            if (n.StartsWith("$avp(", StringComparison.Ordinal) && n.EndsWith(')')) n = n[5..^1];
            if (n.StartsWith("s:", StringComparison.Ordinal) || n.StartsWith("i:", StringComparison.Ordinal)) n = n[2..];
            if (n.Length == 0 || n.Contains('$', StringComparison.Ordinal)) return "registrar: received_avp must name an AVP, like \"$avp(RECEIVED)\" (got \"" + ReceivedAvp + "\")";
            _receivedAvpName = n;
        }
        lock (_scriptTables)
        {
            foreach (var t in _scriptTables)
            {
                if (BindTable(t) is { } err) return err;
            }
        }
        _initialized = true;
        HookContactExpired();
        return null;
    }

    /// <summary>Binds a script's table name at compile time (Kamailio's fixup registers the domain).</summary>
    public string? BindTable(string table) => Ul.RegisterTable(table, out _);

    private string? _receivedAvpName;

    /// <summary>The source address the script (or nathelper's fix_nated_register) left in received_avp, as a
    /// SIP URI; stored as the binding's received, where lookup() sends requests for it.</summary>
    private string? ReceivedFromAvp(MessageContext ctx)
    {
        if (_receivedAvpName is null) return null;
        var v = ctx.Avps.Get(_receivedAvpName);
        return v.IsNull || v.Str.Length == 0 ? null : v.Str;
    }

    private readonly List<string> _scriptTables = [];
    private bool _initialized;

    /// <summary>The location tables the script names (save, lookup, ...): registered with usrloc at start-up,
    /// so db_mode 1 and 2 load them before the first message, not on the first REGISTER or lookup.</summary>
    string? IScriptFixup.Fixup(string function, IReadOnlyList<string?> literals)
    {
        if (literals.Count == 0 || literals[0] is not { Length: > 0 } table || table.Contains('$', StringComparison.Ordinal)) return null;
        switch (function)
        {
            case "save" or "lookup" or "lookup_to_dset" or "lookup_branches" or "registered" or "unregister" or "reg_fetch_contacts":
                lock (_scriptTables)
                {
                    if (_scriptTables.Contains(table)) return null;
                    _scriptTables.Add(table);
                }
                // on a reload the modules run already: register the new table now
                return _initialized ? BindTable(table) : null;
            default:
                return null;
        }
    }

    private bool UseDomain => Ul.UseDomain;

    private struct PendingContact
    {
        public int Index; // into t_contacts
        public long Expires; // seconds, 0 = remove
        public int Q;
        public string? Instance;
        public int RegId;
        public ContactBinding? Match;
    }

    private static int Reject(MessageContext ctx, int code, string reason, string? extra, bool reply, ref long counter, int ret)
    {
        Interlocked.Increment(ref counter);
        if (reply) ctx.Server.Replier.Reply(ctx, code, Encoding.UTF8.GetBytes(reason), extra is null ? default : Encoding.UTF8.GetBytes(extra));
        return ret;
    }

    // ---- save

    [Function("save", RouteTypes.Request | RouteTypes.Failure | RouteTypes.OnReply)]
    public int Save(MessageContext ctx, string table) => SaveCore(ctx, table, SaveFlags.None, null);

    [Function("save", RouteTypes.Request | RouteTypes.Failure | RouteTypes.OnReply)]
    public int Save(MessageContext ctx, string table, string flags) => SaveCore(ctx, table, (SaveFlags)ParseFlags(flags), null);

    [Function("save", RouteTypes.Request | RouteTypes.Failure | RouteTypes.OnReply)]
    public int Save(MessageContext ctx, string table, string flags, string uri) => SaveCore(ctx, table, (SaveFlags)ParseFlags(flags), uri);

    /// <summary>Flags as the script gives them: decimal or 0x-hex.</summary>
    internal static int ParseFlags(string s)
    {
        s = s.Trim();
        if (s.Length == 0) return 0;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return int.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : 0;
        }
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : 0;
    }

    internal int SaveCore(MessageContext ctx, string tableName, SaveFlags flags, string? uri)
    {
        var msg = ctx.Message;
        bool reply = (flags & SaveFlags.NoReply) == 0 && msg.IsRequest;
        if (!Ul.TryGetTable(tableName, out var table))
        {
            var err = Ul.RegisterTable(tableName, out table);
            if (err is not null) return Reject(ctx, 500, "Server Internal Error", null, reply, ref _rejected, -1);
        }
        // AOR: the To URI (RFC 3261 §10.3 step 5) or the given URI
        string aor;
        if (uri is not null)
        {
            if (!Aor.TryKey(uri, CaseSensitive != 0, UseDomain, out aor, RealmPrefix, table)) return Reject(ctx, 400, "Bad Request - Invalid AOR", null, reply, ref _rejected, -1);
        }
        else
        {
            ref readonly var to = ref msg.To;
            if (!to.IsValid || !Aor.TryKey(to.Uri, CaseSensitive != 0, UseDomain, out aor, RealmPrefix, table)) return Reject(ctx, 400, "Bad Request - Invalid To", null, reply, ref _rejected, -1);
        }

        // Path (RFC 3327 §5.3)
        string? path = null;
        bool pathInReply = false;
        if (UsePath != 0 && msg.Has(HeaderId.Path))
        {
            bool supported = Aor.HasOptionTag(msg, HeaderId.Supported, "path"u8);
            if (PathMode == 2 && !supported)
            {
                return Reject(ctx, 420, "Bad Extension", "Unsupported: path\r\n", reply, ref _rejected, -1);
            }
            path = Aor.PathOf(msg);
            pathInReply = PathMode == 2 || (PathMode == 1 && supported);
        }

        // outbound (RFC 5626 §6)
        bool obSupported = Aor.HasOptionTag(msg, HeaderId.Supported, "outbound"u8) || Aor.HasOptionTag(msg, HeaderId.Require, "outbound"u8);
        if (OutboundMode == 0 && Aor.HasOptionTag(msg, HeaderId.Require, "outbound"u8))
        {
            return Reject(ctx, 420, "Bad Extension", "Unsupported: outbound\r\n", reply, ref _rejected, -1);
        }
        if (OutboundMode == 2 && !obSupported)
        {
            return Reject(ctx, 421, "Extension Required", "Require: outbound\r\n", reply, ref _rejected, -1);
        }
        bool useRegId = OutboundMode != 0 && (obSupported || RegidMode != 0);

        var contacts = t_contacts ??= new NameAddr[MaxContactsPerRequest];
        int n = msg.ParseAddresses(HeaderId.Contact, contacts, out bool malformed);
        if (malformed) return Reject(ctx, 400, "Bad Request - Invalid Contact", null, reply, ref _rejected, -1);
        if (n > MaxContactsPerRequest) return Reject(ctx, 400, "Bad Request - Too Many Contacts In Request", null, reply, ref _rejected, -1);

        long headerExpires = msg.Expires;
        ReadOnlySpan<byte> callId = msg.CallId;
        int cseq = (int)msg.CSeq.Number;
        long now = Ul.Now();

        // RFC 3261 §10.3 step 6: "*" only alone and with Expires: 0
        bool star = false;
        for (int i = 0; i < n; i++) star |= contacts[i].IsStar;
        if (star && (n != 1 || headerExpires != 0)) return Reject(ctx, 400, "Bad Request - Invalid Contact", null, reply, ref _rejected, -1);

        var pending = t_pending ??= new PendingContact[MaxContactsPerRequest];
        if (!star)
        {
            for (int i = 0; i < n; i++)
            {
                ref readonly var c = ref contacts[i];
                bool fromDefault = headerExpires < 0;
                long e = fromDefault ? DefaultExpires : headerExpires;
                if (c.TryGetParam("expires"u8, out var ev))
                {
                    fromDefault = !SipChars.TryParseUInt(ev, uint.MaxValue, out var pe);
                    e = fromDefault ? DefaultExpires : (long)pe;
                }
                // spread refreshes: a random value in [e - range%, e] (flag 0x08 turns it off)
                int range = fromDefault ? DefaultExpiresRange : ExpiresRange;
                if (e > 0 && range > 0 && (flags & SaveFlags.NoExpiresRange) == 0) e -= Random.Shared.NextInt64(e * range / 100 + 1);
                if (e != 0 && MinExpires != 0 && e < MinExpires)
                {
                    if (MinExpiresMode == 1)
                    {
                        // RFC 3261 §10.3 step 7 / §21.4.17: 423 with Min-Expires
                        return Reject(ctx, 423, "Interval Too Brief", "Min-Expires: " + MinExpires.ToString(CultureInfo.InvariantCulture) + "\r\n", reply, ref _rejected, -1);
                    }
                    e = MinExpires;
                }
                if (MaxExpires != 0 && e > MaxExpires) e = MaxExpires;
                int q = DefaultQ;
                if (c.TryGetParam("q"u8, out var qv) && !Aor.TryParseQ(qv, out q)) return Reject(ctx, 400, "Bad Request - Invalid q", null, reply, ref _rejected, -1);
                int regId = 0;
                if (c.TryGetParam("reg-id"u8, out var rv) && SipChars.TryParseUInt(rv, int.MaxValue, out var prv)) regId = (int)prv;
                string? instance = Aor.Instance(c);
                if (GruuEnabled == 0 && !useRegId) instance = null;
                pending[i] = new PendingContact { Index = i, Expires = e, Q = q, Instance = instance, RegId = useRegId && instance is not null ? regId : 0 };
            }
        }

        int ret;
        bool obUsed = false;
        int replyLength;
        bool dbOk = true; // write-through (db_mode 1, 3) results
        string? received = ReceivedSlot.Received(ctx) ?? ReceivedFromAvp(ctx);
        using (var l = table.Lock(aor))
        {
            if (star)
            {
                // RFC 3261 §10.3 step 6: remove every binding, unless the same Call-ID with a CSeq not higher
                var rec = l.Record;
                for (int i = rec is null ? -1 : rec.Count - 1; i >= 0 && l.Record is not null; i--)
                {
                    if (i >= l.Record.Count) continue;
                    var b = l.Record[i];
                    if (b.CallIdIs(callId) && cseq <= b.CSeq) continue;
                    dbOk &= l.Delete(b);
                }
                ret = 3;
            }
            else if (n == 0)
            {
                ret = 4; // query: RFC 3261 §10.3 step 8 lists the bindings
            }
            else
            {
                // pass 1: match and check (nothing changes until the whole request is acceptable)
                int added = 0, removed = 0;
                for (int i = 0; i < n; i++)
                {
                    ref var p = ref pending[i];
                    p.Match = Find(l.Record, contacts[i], p, callId, path, now);
                    if (p.Match is not null)
                    {
                        if (p.Match.CallIdIs(callId) && cseq < p.Match.CSeq)
                        {
                            return Reject(ctx, 400, "Bad Request - Invalid CSeq number", null, reply, ref _rejected, -1);
                        }
                        if (p.Expires == 0) removed++;
                    }
                    else if (p.Expires != 0)
                    {
                        added++;
                    }
                }
                int live = 0;
                if (l.Record is not null)
                {
                    for (int i = 0; i < l.Record.Count; i++) if (!l.Record[i].IsExpired(now)) live++;
                }
                if ((flags & SaveFlags.SingleContact) != 0) live = 0;
                if (MaxContacts > 0 && live - removed + added > MaxContacts)
                {
                    string? ra = RetryAfter > 0 ? "Retry-After: " + RetryAfter.ToString(CultureInfo.InvariantCulture) + "\r\n" : null;
                    Interlocked.Increment(ref _rejected);
                    if (reply) ctx.Server.Replier.Reply(ctx, 503, "Too many registered contacts"u8, ra is null ? default : Encoding.UTF8.GetBytes(ra));
                    return -2;
                }
                // pass 2: apply
                bool anyInsert = false, anyUpdate = false, anyDelete = false;
                var socket = SocketOf(ctx);
                ReadOnlySpan<byte> userAgentBytes = msg.IndexOf(HeaderId.UserAgent) is var ua and >= 0 ? msg.ValueAt(ua) : default;
                List<ContactBinding>? touched = (flags & SaveFlags.SingleContact) != 0 ? [] : null;
                for (int i = 0; i < n; i++)
                {
                    ref var p = ref pending[i];
                    var b = p.Match;
                    if (b is not null && b.CallIdIs(callId) && cseq == b.CSeq && b.Expires - now == p.Expires)
                    {
                        touched?.Add(b); // a retransmission of the same REGISTER: nothing to change
                        continue;
                    }
                    if (p.Expires == 0)
                    {
                        if (b is not null)
                        {
                            dbOk &= l.Delete(b);
                            anyDelete = true;
                        }
                        continue;
                    }
                    bool isNew = b is null;
                    b ??= table.NewBinding(contacts[i].UriString);
                    if (!Equal(b.Contact, contacts[i].UriText)) b.Contact = contacts[i].UriString; // another contact for the same flow (RFC 5626)
                    b.Expires = now + p.Expires;
                    b.Q = p.Q;
                    b.SetCallId(callId);
                    b.CSeq = cseq;
                    if (!Equal(b.UserAgent, userAgentBytes)) b.UserAgent = _userAgents.Get(userAgentBytes);
                    b.Path = path;
                    b.Received = received;
                    b.Socket = socket;
                    b.Instance = p.Instance;
                    b.RegId = p.RegId;
                    b.Methods = MethodSet.Of(msg, contacts[i]);
                    b.ConnectionId = ctx.Protocol == Osprey.Transport.SipProtocol.Udp ? -1 : ctx.ConnectionId;
                    b.Flags = (flags & SaveFlags.MemoryOnly) != 0 ? b.Flags | 1u : b.Flags & ~1u;
                    if (Ul.NatBflag >= 0 && (ctx.Flags & (1UL << Ul.NatBflag)) != 0) b.CFlags |= 1u << Ul.NatBflag;
                    obUsed |= p.RegId != 0;
                    if (isNew)
                    {
                        b.LastModified = now;
                        dbOk &= l.Insert(b);
                        anyInsert = true;
                    }
                    else
                    {
                        dbOk &= l.Update(b);
                        anyUpdate = true;
                    }
                    touched?.Add(b);
                }
                if (touched is not null && l.Record is not null)
                {
                    // save flag 0x04: one binding per AOR — drop all the request did not name
                    for (int i = l.Record.Count - 1; l.Record is not null && i >= 0; i--)
                    {
                        if (i < l.Record.Count && !touched.Contains(l.Record[i]))
                        {
                            dbOk &= l.Delete(l.Record[i]);
                            anyDelete = true;
                        }
                    }
                }
                ret = anyInsert ? 1 : anyUpdate ? 2 : anyDelete ? 3 : 4;
            }
            replyLength = WriteReplyHeaders(l.Record, now, msg, pathInReply ? path : null, obUsed, aor);
        }

        if (!dbOk)
        {
            // the memory state changed but the database did not: say so, as write-through promises
            return Reject(ctx, 500, "Server Internal Error - Database Error", null, reply, ref _rejected, -1);
        }
        Interlocked.Increment(ref _accepted);
        if (reply) ctx.Server.Replier.Reply(ctx, 200, "OK"u8, t_reply.AsSpan(0, replyLength));
        else if ((flags & SaveFlags.NoReply) != 0) PendingReply.Set(ctx, t_reply.AsSpan(0, replyLength).ToArray());
        return ret;
    }

    private ContactBinding? Find(AorRecord? rec, in NameAddr c, in PendingContact p, ReadOnlySpan<byte> callId, string? path, long now)
    {
        if (rec is null) return null;
        var uri = c.UriText;
        for (int i = 0; i < rec.Count; i++)
        {
            var b = rec[i];
            // RFC 5626 §6: with outbound, the flow (instance, reg-id) identifies the binding
            if (p.RegId != 0 && p.Instance is not null)
            {
                if (b.RegId == p.RegId && b.Instance == p.Instance) return b;
                continue;
            }
            bool contactEq = Equal(b.Contact, uri);
            bool hit = Ul.MatchingMode switch
            {
                1 => contactEq && b.CallIdIs(callId),
                2 => contactEq && (path is null || b.Path == path),
                3 => b.CallIdIs(callId),
                _ => contactEq,
            };
            if (hit) return b;
        }
        return null;
    }

    /// <summary>Whether an ASCII string equals header bytes, without decoding them.</summary>
    internal static bool Equal(string s, ReadOnlySpan<byte> utf8)
    {
        if (s.Length != utf8.Length) return false;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != utf8[i]) return false;
        }
        return true;
    }

    private readonly UserAgentPool _userAgents = new();

    private string SocketOf(MessageContext ctx) => _socketNames.GetOrAdd(ctx.Local, static l => SocketName(l));

    /// <summary>The listener a saved socket name (proto:ip:port) names, to send from it again (TCP/TLS connection reuse, NAT bindings).</summary>
    internal Osprey.Transport.ListenEndpoint? ListenerOf(MessageContext ctx, string socket)
    {
        foreach (var l in ctx.Server.Listeners)
        {
            if (string.Equals(_socketNames.GetOrAdd(l, static x => SocketName(x)), socket, StringComparison.Ordinal)) return l;
        }
        return null;
    }

    private static string SocketName(Osprey.Transport.ListenEndpoint l)
    {
        var proto = l.Protocol.ToString().ToLowerInvariant();
        var ep = l.Bind;
        return ep.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? proto + ":[" + ep.Address + "]:" + ep.Port.ToString(CultureInfo.InvariantCulture)
            : proto + ":" + ep.Address + ":" + ep.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 3261 §10.3 step 8: every current binding with its remaining expiry; Path echoed
    /// (RFC 3327 §5.3), GRUUs (RFC 5627 §5), Require: outbound (RFC 5626 §6). Written under the record
    /// lock straight into a per-thread buffer: no copies of the bindings, no intermediate strings.</summary>
    private int WriteReplyHeaders(AorRecord? rec, long now, SipMessage msg, string? path, bool outbound, string aor)
    {
        var w = new HeaderWriter(t_reply ??= new byte[2048]);
        bool gruu = GruuEnabled != 0 && rec is not null && Aor.HasOptionTag(msg, HeaderId.Supported, "gruu"u8);
        if (rec is not null)
        {
            for (int i = 0; i < rec.Count; i++)
            {
                var b = rec[i];
                long left = b.SecondsLeft(now);
                if (left <= 0) continue;
                w.Ascii("Contact: <"u8);
                w.Text(b.Contact);
                w.Ascii(">;expires="u8);
                w.Number(Math.Min(left, int.MaxValue));
                if (b.Q >= 0) WriteQ(ref w, b.Q);
                if (b.Received is not null && ReceivedParam.Length > 0)
                {
                    w.Ascii(";"u8);
                    w.Text(ReceivedParam);
                    w.Ascii("=\""u8);
                    w.Text(b.Received);
                    w.Ascii("\""u8);
                }
                if (b.Instance is not null)
                {
                    w.Ascii(";+sip.instance=\"<"u8);
                    w.Text(b.Instance);
                    w.Ascii(">\""u8);
                    if (b.RegId != 0)
                    {
                        w.Ascii(";reg-id="u8);
                        w.Number(b.RegId);
                    }
                    if (gruu)
                    {
                        // RFC 5627 §5.2: the public GRUU is the AOR with gr= the instance id
                        ref readonly var to = ref msg.To;
                        w.Ascii(";pub-gruu=\"sip:"u8);
                        w.Ascii(to.Uri.User);
                        w.Ascii("@"u8);
                        w.Ascii(to.Uri.Host);
                        w.Ascii(";gr="u8);
                        w.Text(b.Instance);
                        // RFC 5627 §5.2: a new temporary GRUU with each registration; the old ones stay valid
                        w.Ascii("\";temp-gruu=\"sip:"u8);
                        w.Text(TempGruu.Prefix);
                        w.Text(_tempGruu.Token(aor, b.Instance));
                        w.Ascii("@"u8);
                        w.Ascii(to.Uri.Host);
                        w.Ascii(";gr\""u8);
                    }
                }
                w.Ascii("\r\n"u8);
            }
        }
        if (path is not null)
        {
            w.Ascii("Path: "u8);
            w.Text(path);
            w.Ascii("\r\n"u8);
        }
        if (outbound) w.Ascii("Require: outbound\r\n"u8);
        // RFC 3261 §10.3 step 8: the 200 SHOULD carry a Date header
        w.Ascii("Date: "u8);
        w.Date(DateTime.UtcNow);
        w.Ascii("\r\n"u8);
        t_reply = w.Buffer;
        return w.Length;
    }

    private static void WriteQ(ref HeaderWriter w, int q)
    {
        if (q >= 1000)
        {
            w.Ascii(";q=1"u8);
            return;
        }
        w.Ascii(";q=0."u8);
        w.Digit(q / 100);
        int rest = q % 100;
        if (rest != 0)
        {
            w.Digit(rest / 10);
            if (rest % 10 != 0) w.Digit(rest % 10);
        }
    }

    /// <summary>Appends to a growable byte buffer (UTF-8 for strings).</summary>
    private struct HeaderWriter(byte[] buffer)
    {
        public byte[] Buffer = buffer;
        public int Length;

        private Span<byte> Room(int n)
        {
            if (Length + n > Buffer.Length) Array.Resize(ref Buffer, Math.Max(Buffer.Length * 2, Length + n));
            return Buffer.AsSpan(Length, n);
        }

        public void Ascii(ReadOnlySpan<byte> s)
        {
            s.CopyTo(Room(s.Length));
            Length += s.Length;
        }

        public void Text(string s)
        {
            int max = Encoding.UTF8.GetMaxByteCount(s.Length);
            Length += Encoding.UTF8.GetBytes(s, Room(max));
        }

        public void Number(long v)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(v, Room(20), out int n);
            Length += n;
        }

        public void Date(DateTime utc)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(utc, Room(32), out int n, new System.Buffers.StandardFormat('R'));
            Length += n;
        }

        public void Digit(int d)
        {
            Room(1)[0] = (byte)('0' + d);
            Length++;
        }
    }

    /// <summary>reg_send_reply(): the 200 a save(..., 0x02) held back.</summary>
    [Function("reg_send_reply", RouteTypes.Request | RouteTypes.Failure)]
    public int SendReply(MessageContext ctx)
    {
        var h = PendingReply.Take(ctx);
        if (h is null) return -1;
        return ctx.Server.Replier.Reply(ctx, 200, "OK"u8, h) ? 1 : -1;
    }

    /// <summary>Sets the received URI save() stores for the current REGISTER (what nathelper's
    /// fix_nated_register does through received_avp in Kamailio).</summary>
    public static void SetReceived(MessageContext ctx, string? receivedUri) => ReceivedSlot.SetReceived(ctx, receivedUri);
}

/// <summary>The 200 reply headers save(..., 0x02) prepared, per message.</summary>
internal static class PendingReply
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MessageContext, Holder> s_h = new();

    private sealed class Holder
    {
        public long Owner; // the message's Serial
        public byte[]? Headers;
    }

    public static void Set(MessageContext ctx, byte[] headers)
    {
        var h = s_h.GetOrCreateValue(ctx);
        h.Owner = ctx.Message.Serial;
        h.Headers = headers;
    }

    public static byte[]? Take(MessageContext ctx)
    {
        if (!s_h.TryGetValue(ctx, out var h) || h.Owner != ctx.Message.Serial) return null;
        var r = h.Headers;
        h.Headers = null;
        return r;
    }
}

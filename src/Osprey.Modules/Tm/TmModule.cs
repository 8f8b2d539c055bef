using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Rpc;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary>
/// The tm module: the script surface of the <see cref="TransactionLayer"/> with Kamailio's function,
/// parameter, pseudo-variable, RPC and statistics names.
/// </summary>
[Module("tm")]
public sealed partial class TmModule : ModuleBase, IDisposable
{
    private readonly ConcurrentDictionary<string, Regex> _statusPatterns = new(StringComparer.Ordinal);
    private TransactionLayer? _layer;

    public TmSettings Settings { get; } = new();

    /// <summary>Where other modules (acc) register for transaction events; usable before Init.</summary>
    public TmCallbacks Callbacks { get; } = new();

    /// <summary>Deadline source; the server's timing wheel, or a manual clock in tests. Set before Init.</summary>
    public ITmScheduler? Scheduler { get; set; }

    public TransactionLayer Layer => _layer ?? throw new InvalidOperationException("tm is not initialised");

    [ModParam("fr_timer")] public int FrTimer { get => Settings.FrTimer; set => Settings.FrTimer = value; }
    [ModParam("fr_inv_timer")] public int FrInvTimer { get => Settings.FrInvTimer; set => Settings.FrInvTimer = value; }
    [ModParam("max_inv_lifetime")] public int MaxInvLifetime { get => Settings.MaxInvLifetime; set => Settings.MaxInvLifetime = value; }
    [ModParam("max_noninv_lifetime")] public int MaxNonInvLifetime { get => Settings.MaxNonInvLifetime; set => Settings.MaxNonInvLifetime = value; }
    [ModParam("wt_timer")] public int WtTimer { get => Settings.WtTimer; set => Settings.WtTimer = value; }
    [ModParam("retr_timer1")] public int RetrTimer1 { get => Settings.RetrTimer1; set => Settings.RetrTimer1 = value; }
    [ModParam("retr_timer2")] public int RetrTimer2 { get => Settings.RetrTimer2; set => Settings.RetrTimer2 = value; }
    [ModParam("failure_reply_mode")] public int FailureReplyMode { get => Settings.FailureReplyMode; set => Settings.FailureReplyMode = value; }
    [ModParam("restart_fr_on_each_reply")] public int RestartFrOnEachReply { get => Settings.RestartFrOnEachReply ? 1 : 0; set => Settings.RestartFrOnEachReply = value != 0; }
    [ModParam("auto_inv_100")] public int AutoInv100 { get => Settings.AutoInv100 ? 1 : 0; set => Settings.AutoInv100 = value != 0; }
    [ModParam("auto_inv_100_reason")] public string AutoInv100Reason { get => Settings.AutoInv100Reason; set => Settings.AutoInv100Reason = value; }
    [ModParam("noisy_ctimer")] public int NoisyCtimer { get => Settings.NoisyCtimer ? 1 : 0; set => Settings.NoisyCtimer = value != 0; }
    [ModParam("unmatched_cancel")] public int UnmatchedCancel { get => Settings.UnmatchedCancel; set => Settings.UnmatchedCancel = value; }
    [ModParam("cancel_b_method")] public int CancelBMethod { get => Settings.CancelBMethod; set => Settings.CancelBMethod = value; }
    [ModParam("e2e_cancel_reason")] public int E2eCancelReason { get => Settings.E2eCancelReason ? 1 : 0; set => Settings.E2eCancelReason = value != 0; }
    [ModParam("local_cancel_reason")] public int LocalCancelReason { get => Settings.LocalCancelReason ? 1 : 0; set => Settings.LocalCancelReason = value != 0; }
    [ModParam("remap_503_500")] public int Remap503To500 { get => Settings.Remap503To500 ? 1 : 0; set => Settings.Remap503To500 = value != 0; }
    [ModParam("hash_size")] public int HashSize { get => Settings.HashSize; set => Settings.HashSize = value; }
    [ModParam("max_branches")] public int MaxBranches { get => Settings.MaxBranches; set => Settings.MaxBranches = value; }
    [ModParam("blst_methods_add")] public int BlstMethodsAdd { get => Settings.BlstMethodsAdd; set => Settings.BlstMethodsAdd = value; }
    [ModParam("blst_methods_lookup")] public long BlstMethodsLookup { get => Settings.BlstMethodsLookup; set => Settings.BlstMethodsLookup = value; }

    // tm's blocklist parameters live in the core's DNS options (the blocklist is the core's); applied at Init
    private int? _blst503, _blst503Def, _blst503Min, _blst503Max;

    [ModParam("blst_503")] public int Blst503 { get => _blst503 ?? 0; set => _blst503 = value; }
    [ModParam("blst_503_def_timeout")] public int Blst503DefTimeout { get => _blst503Def ?? 0; set => _blst503Def = value; }
    [ModParam("blst_503_min_timeout")] public int Blst503MinTimeout { get => _blst503Min ?? 0; set => _blst503Min = value; }
    [ModParam("blst_503_max_timeout")] public int Blst503MaxTimeout { get => _blst503Max ?? 3600; set => _blst503Max = value; }

    public override string? Init()
    {
        var s = Settings;
        if (s.RetrTimer1 <= 0 || s.RetrTimer2 < s.RetrTimer1) return "tm: retr_timer1 must be positive and not above retr_timer2";
        if (s.FrTimer <= 0 || s.FrInvTimer <= 0 || s.WtTimer < 0) return "tm: fr_timer and fr_inv_timer must be positive, wt_timer not negative";
        if (s.FailureReplyMode is < 0 or > 3) return "tm: failure_reply_mode must be 0, 1, 2 or 3";
        if (s.CancelBMethod is < 0 or > 2) return "tm: cancel_b_method must be 0, 1 or 2";
        if (s.UnmatchedCancel is < 0 or > 2) return "tm: unmatched_cancel must be 0, 1 or 2";
        if (s.MaxBranches is < 1 or > 31) return "tm: max_branches must be between 1 and 31";
        if (_blst503Def < 0 || _blst503Min < 0 || _blst503Max < 0) return "tm: blst_503_*_timeout must not be negative";
        var dns = Server.Dns.Options;
        if (_blst503 is int on) dns.Blst503 = on != 0;
        if (_blst503Def is int def) dns.Blst503DefaultTimeout = TimeSpan.FromSeconds(def);
        if (_blst503Min is int min) dns.Blst503MinTimeout = TimeSpan.FromSeconds(min);
        if (_blst503Max is int max) dns.Blst503MaxTimeout = TimeSpan.FromSeconds(max);
        // tm runs on the server's one timing wheel (ARCHITECTURE.md); tests may pass their own scheduler
        var scheduler = Scheduler ??= new WheelTmScheduler(Server.Timers);
        _layer = new TransactionLayer(Server, s, scheduler) { Callbacks = Callbacks };
        Server.TransactionLayer = _layer;
        return null;
    }

    public override void Stop() => Dispose();

    public void Dispose()
    {
    }

    // ---------------------------------------------------------------- relaying

    [Function("t_relay", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelay(MessageContext ctx) => Layer.Relay(ctx);

    [Function("t_relay", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelay(MessageContext ctx, string host, int port) => Layer.Relay(ctx, Target(host, port, ctx.Protocol.Name()));

    [Function("t_relay_to_udp", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToUdp(MessageContext ctx) => RelayOver(ctx, "udp");

    [Function("t_relay_to_udp", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToUdp(MessageContext ctx, string host, int port) => Layer.Relay(ctx, Target(host, port, "udp"));

    [Function("t_relay_to_tcp", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToTcp(MessageContext ctx) => RelayOver(ctx, "tcp");

    [Function("t_relay_to_tcp", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToTcp(MessageContext ctx, string host, int port) => Layer.Relay(ctx, Target(host, port, "tcp"));

    [Function("t_relay_to_tls", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToTls(MessageContext ctx) => RelayOver(ctx, "tls");

    [Function("t_relay_to_tls", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToTls(MessageContext ctx, string host, int port) => Layer.Relay(ctx, Target(host, port, "tls"));

    [Function("t_relay_to_sctp", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToSctp(MessageContext ctx) => RelayOver(ctx, "sctp");

    [Function("t_relay_to_sctp", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayToSctp(MessageContext ctx, string host, int port) => Layer.Relay(ctx, Target(host, port, "sctp"));

    [Function("t_relay_to", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayTo(MessageContext ctx) => Layer.Relay(ctx);

    /// <summary>t_relay_to(proxy) or t_relay_to(flags): a number (decimal or 0x hex) is flags, anything
    /// else the "proto:host:port" to send to.</summary>
    [Function("t_relay_to", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayTo(MessageContext ctx, string proxyOrFlags) =>
        TryParseFlags(proxyOrFlags, out var flags) ? Layer.Relay(ctx, null, flags) : TRelayTo(ctx, proxyOrFlags, "0");

    [Function("t_relay_to", RouteTypes.Request | RouteTypes.Failure)]
    public int TRelayTo(MessageContext ctx, string proxy, string flags)
    {
        if (!TryParseFlags(flags, out var f)) return -1;
        if (proxy.Length == 0) return Layer.Relay(ctx, null, f);
        return ProxyTarget(proxy) is { } target ? Layer.Relay(ctx, target, f) : -1;
    }

    private static bool TryParseFlags(string s, out RelayFlags flags)
    {
        s = s.Trim();
        bool ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int n)
            : int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n);
        flags = (RelayFlags)n;
        return ok;
    }

    /// <summary>t_relay_to's "proto:host:port" (proto and port optional; an IPv6 host in brackets) as a
    /// URI, null when it does not parse.</summary>
    internal static string? ProxyTarget(string spec)
    {
        spec = spec.Trim();
        string? proto = null;
        int colon = spec.IndexOf(':');
        if (colon > 0 && spec[..colon].ToLowerInvariant() is "udp" or "tcp" or "tls" or "sctp" or "ws" or "wss")
        {
            proto = spec[..colon].ToLowerInvariant();
            spec = spec[(colon + 1)..];
        }
        string host = spec;
        int port = 0;
        int portColon = spec.StartsWith('[') ? spec.IndexOf("]:", StringComparison.Ordinal) + 1 : spec.LastIndexOf(':');
        if (portColon > 0)
        {
            if (!int.TryParse(spec.AsSpan(portColon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535) return null;
            host = spec[..portColon];
        }
        if (host.Length == 0 || host.Contains(' ', StringComparison.Ordinal)) return null;
        return "sip:" + host + (port > 0 ? ":" + port.ToString(CultureInfo.InvariantCulture) : "") + (proto is null ? "" : ";transport=" + proto);
    }

    /// <summary>t_set_disable_failover(0|1): DNS failover off (1) or on (0) for the current transaction.</summary>
    [Function("t_set_disable_failover", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int TSetDisableFailover(MessageContext ctx, int off)
    {
        var tx = TransactionLayer.Current(ctx);
        if (tx is not null)
        {
            lock (tx.Gate) tx.DisableFailover = off != 0;
        }
        else
        {
            PendingBindings.For(ctx).DisableFailover = off != 0 ? 1 : 0;
        }
        return 1;
    }

    private int RelayOver(MessageContext ctx, string transport)
    {
        // the Request-URI's (or $du's) host and port, over the named transport
        var uri = ctx.DestinationUri ?? ctx.NewRequestUri;
        Sip.Uri.SipUri parsed;
        if (uri is not null) { if (!Sip.Uri.SipUri.TryParse(uri, out parsed)) return -1; }
        else parsed = ctx.Message.RequestUri;
        if (!parsed.IsSipOrSips) return -1;
        return Layer.Relay(ctx, Target(parsed.HostString, parsed.Port, transport));
    }

    private static string Target(string host, int port, string transport) =>
        "sip:" + host + (port > 0 ? ":" + port.ToString(CultureInfo.InvariantCulture) : "") + ";transport=" + transport;

    [Function("t_newtran", RouteTypes.Request)]
    public int TNewTran(MessageContext ctx) => Layer.NewTransaction(ctx, out _);

    [Function("t_reply", RouteTypes.Request | RouteTypes.Failure)]
    public int TReply(MessageContext ctx, int code, string reason) => Layer.Reply(ctx, code, reason) ? 1 : -1;

    [Function("t_release", RouteTypes.Request)]
    public int TRelease(MessageContext ctx) => Layer.Release(ctx);

    /// <summary>t_check_trans(): Kamailio's rules per kind of message (see the tm manual).</summary>
    [Function("t_check_trans", RouteTypes.Request | RouteTypes.OnReply | RouteTypes.CoreReply | RouteTypes.Branch | RouteTypes.Failure)]
    public int TCheckTrans(MessageContext ctx)
    {
        var msg = ctx.Message;
        var layer = Layer;
        if (msg.IsReply)
        {
            return layer.TryParseBranchId(msg.TopVia.Branch, out int bucket, out uint label, out _) && layer.Table.Find(bucket, label) is not null ? 1 : -1;
        }
        if (TransactionLayer.Current(ctx) is not null) return 1;
        switch (msg.Method)
        {
            case SipMethod.Cancel:
                return layer.InviteOf(msg) is not null ? 1 : -1;
            case SipMethod.Ack:
                if (layer.NegativeAckTarget(msg) is { } inv)
                {
                    layer.AbsorbAck(inv);
                    return 0; // the ACK of a negative reply ends here
                }
                // the ACK of a 2xx: true while its INVITE transaction is still around
                return layer.NotifyE2eAck(ctx) ? 1 : -1;
            default:
                if (layer.Lookup(msg) is not null)
                {
                    layer.NewTransaction(ctx, out _); // a retransmission: resends the last reply
                    ctx.Transaction = null;
                    return 0;
                }
                return -1;
        }
    }

    // ---------------------------------------------------------------- route bindings

    [Function("t_on_failure", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int TOnFailure(MessageContext ctx, string route) => Bind(ctx, route, static (tx, r) => tx.OnFailure = r, static (p, r) => p.OnFailure = r);

    [Function("t_on_reply", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int TOnReply(MessageContext ctx, string route) => Bind(ctx, route, static (tx, r) => tx.OnReply = r, static (p, r) => p.OnReply = r);

    [Function("t_on_branch", RouteTypes.Request | RouteTypes.Failure)]
    public int TOnBranch(MessageContext ctx, string route) => Bind(ctx, route, static (tx, r) => tx.OnBranch = r, static (p, r) => p.OnBranch = r);

    [Function("t_on_branch_failure", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int TOnBranchFailure(MessageContext ctx, string route) => Bind(ctx, route, static (tx, r) => tx.OnBranchFailure = r, static (p, r) => p.OnBranchFailure = r);

    private static int Bind(MessageContext ctx, string route, Action<Transaction, string?> onTx, Action<PendingBindings, string?> onPending)
    {
        var name = string.IsNullOrEmpty(route) ? null : route;
        var tx = TransactionLayer.Current(ctx);
        if (tx is not null)
        {
            lock (tx.Gate) onTx(tx, name);
        }
        else
        {
            onPending(PendingBindings.For(ctx), name);
        }
        return 1;
    }

    [Function("t_is_set", RouteTypes.Any)]
    public int TIsSet(MessageContext ctx, string target)
    {
        var tx = TransactionLayer.Current(ctx);
        var p = PendingBindings.Peek(ctx);
        string? v = target switch
        {
            "branch_route" => tx?.OnBranch ?? p?.OnBranch,
            "failure_route" => tx?.OnFailure ?? p?.OnFailure,
            "onreply_route" => tx?.OnReply ?? p?.OnReply,
            "branch_failure_route" => tx?.OnBranchFailure ?? p?.OnBranchFailure,
            _ => null,
        };
        return v is null ? -1 : 1;
    }

    // ---------------------------------------------------------------- state tests

    [Function("t_check_status", RouteTypes.Request | RouteTypes.Failure | RouteTypes.OnReply | RouteTypes.Branch)]
    public int TCheckStatus(MessageContext ctx, string pattern)
    {
        int code = ReplyCode(ctx);
        if (code <= 0) return -1;
        var re = _statusPatterns.GetOrAdd(pattern, static p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
        Span<char> digits = stackalloc char[4];
        code.TryFormat(digits, out int n, provider: CultureInfo.InvariantCulture);
        return re.IsMatch(digits[..n]) ? 1 : -1;
    }

    [Function("t_is_canceled", RouteTypes.Request | RouteTypes.Failure | RouteTypes.OnReply | RouteTypes.Branch)]
    public int TIsCanceled(MessageContext ctx) => TransactionLayer.Current(ctx) is { IsCanceled: true } ? 1 : -1;

    [Function("t_branch_timeout", RouteTypes.Failure | RouteTypes.Event)]
    public int TBranchTimeout(MessageContext ctx) => FailedBranch(ctx) is { Faked: true, Status: 408 } ? 1 : -1;

    [Function("t_branch_replied", RouteTypes.Failure | RouteTypes.Event)]
    public int TBranchReplied(MessageContext ctx) => FailedBranch(ctx) is { EverReplied: true } ? 1 : -1;

    [Function("t_any_timeout", RouteTypes.Any)]
    public int TAnyTimeout(MessageContext ctx) => AnyBranch(ctx, static b => b.Faked && b.Status == 408) ? 1 : -1;

    [Function("t_any_replied", RouteTypes.Any)]
    public int TAnyReplied(MessageContext ctx) => AnyBranch(ctx, static b => b.EverReplied) ? 1 : -1;

    private static ClientBranch? FailedBranch(MessageContext ctx)
    {
        ref readonly var f = ref RouteFrame.Current;
        var tx = f.Transaction;
        if (tx is null || f.Branch < 0 || f.Branch >= tx.BranchCount) return null;
        return tx.Branches[f.Branch];
    }

    private static bool AnyBranch(MessageContext ctx, Func<ClientBranch, bool> test)
    {
        var tx = TransactionLayer.Current(ctx);
        if (tx is null) return false;
        lock (tx.Gate)
        {
            for (int i = 0; i < tx.BranchCount; i++)
            {
                if (test(tx.Branches[i])) return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- timers

    [Function("t_set_fr", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int TSetFr(MessageContext ctx, int frInv) => TSetFr(ctx, frInv, 0);

    [Function("t_set_fr", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int TSetFr(MessageContext ctx, int frInv, int fr)
    {
        if (frInv < 0 || fr < 0) return -1;
        var tx = TransactionLayer.Current(ctx);
        if (tx is not null)
        {
            lock (tx.Gate)
            {
                if (frInv > 0) tx.FrInvTimeoutMs = frInv;
                if (fr > 0) tx.FrTimeoutMs = fr;
            }
            return 1;
        }
        var p = PendingBindings.For(ctx);
        if (frInv > 0) p.FrInvMs = frInv;
        if (fr > 0) p.FrMs = fr;
        return 1;
    }

    [Function("t_reset_fr", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int TResetFr(MessageContext ctx)
    {
        var tx = TransactionLayer.Current(ctx);
        if (tx is not null)
        {
            lock (tx.Gate) tx.FrInvTimeoutMs = tx.FrTimeoutMs = 0;
        }
        else
        {
            var p = PendingBindings.For(ctx);
            p.FrMs = p.FrInvMs = 0;
        }
        return 1;
    }

    [Function("t_drop_replies", RouteTypes.Failure)]
    public int TDropReplies(MessageContext ctx) => TDropReplies(ctx, "a");

    /// <summary>t_drop_replies("a"|"l"|"n"): which earlier replies the next serial leg forgets.</summary>
    [Function("t_drop_replies", RouteTypes.Failure)]
    public int TDropReplies(MessageContext ctx, string mode)
    {
        int m = mode switch { "n" => 0, "l" => 2, _ => 1 };
        var tx = TransactionLayer.Current(ctx);
        if (tx is null) return -1;
        lock (tx.Gate) tx.DropRepliesMode = m;
        return 1;
    }

    // ---------------------------------------------------------------- serial forking by q (RFC 3261 §16.6)

    [Function("t_load_contacts", RouteTypes.Request | RouteTypes.Failure)]
    public int TLoadContacts(MessageContext ctx) => TLoadContacts(ctx, 0);

    /// <summary>Moves the Request-URI and the destination set into the contact list, highest q first.
    /// Nothing happens when every target has the same q and none has a +sip.instance (plain parallel
    /// forking stays).</summary>
    [Function("t_load_contacts", RouteTypes.Request | RouteTypes.Failure)]
    public int TLoadContacts(MessageContext ctx, int mode)
    {
        var set = ctx.Branches;
        if (set.Count == 0) return 1;
        var list = new List<Destination>(set.Count + 1)
        {
            new Destination
            {
                Uri = ctx.NewRequestUri ?? System.Text.Encoding.UTF8.GetString(ctx.Message.RequestUriText),
                DestinationUri = ctx.DestinationUri,
                Q = 1000,
                Socket = ctx.SendSocket,
                Path = ctx.PathVector,
                Ruid = ctx.Ruid,
                Instance = ctx.Instance,
            },
        };
        bool same = true, flows = ctx.Instance is not null;
        for (int i = 0; i < set.Count; i++)
        {
            var d = set[i];
            if (d.Q < 0) d.Q = 1000;
            same &= d.Q == list[0].Q;
            flows |= d.Instance is not null;
            list.Add(d);
        }
        // one q and no +sip.instance: plain parallel forking stays (with instances, t_next_contacts
        // still has to keep one flow per instance for t_next_contact_flow)
        if (same && !flows) return 1;
        // stable: equal q keeps the order the targets were added in
        var ordered = new List<Destination>(list.Count);
        for (int q = 1000; ordered.Count < list.Count && q >= 0; q--)
        {
            foreach (var d in list)
            {
                if (d.Q == q) ordered.Add(d);
            }
        }
        set.Clear();
        var tx = TransactionLayer.Current(ctx);
        if (tx is not null)
        {
            lock (tx.Gate) tx.Contacts = ordered;
        }
        else
        {
            PendingBindings.For(ctx).Contacts = ordered;
        }
        return 1;
    }

    /// <summary>Takes the highest-q group of the loaded contacts: the first becomes the Request-URI, the
    /// others branches; of several contacts with one +sip.instance only the first is taken, the others are
    /// kept for <c>t_next_contact_flow()</c> (RFC 5626 flows). 1 done, -2 nothing left, -1 error.</summary>
    [Function("t_next_contacts", RouteTypes.Request | RouteTypes.Failure)]
    public int TNextContacts(MessageContext ctx)
    {
        var tx = TransactionLayer.Current(ctx);
        List<Destination>? list;
        if (tx is not null)
        {
            lock (tx.Gate) list = tx.Contacts;
        }
        else
        {
            list = PendingBindings.Peek(ctx)?.Contacts;
        }
        if (list is null || list.Count == 0) return -2;
        List<Destination>? flows = null;
        lock (list)
        {
            int q = list[0].Q;
            int n = 0;
            while (n < list.Count && list[n].Q == q) n++;
            SetRequestTarget(ctx, list[0]);
            ctx.Branches.Clear();
            for (int i = 1; i < n; i++)
            {
                var d = list[i];
                if (d.Instance is not null && InstanceAmong(list, i, d.Instance)) (flows ??= []).Add(d);
                else ctx.Branches.Add(d);
            }
            list.RemoveRange(0, n);
        }
        if (flows is not null)
        {
            if (tx is not null)
            {
                lock (tx.Gate) (tx.ContactFlows ??= []).AddRange(flows);
            }
            else
            {
                (PendingBindings.For(ctx).ContactFlows ??= []).AddRange(flows);
            }
        }
        return 1;
    }

    private static bool InstanceAmong(List<Destination> list, int before, string instance)
    {
        for (int j = 0; j < before; j++)
        {
            if (string.Equals(list[j].Instance, instance, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static void SetRequestTarget(MessageContext ctx, in Destination d)
    {
        ctx.NewRequestUri = d.Uri;
        ctx.DestinationUri = d.DestinationUri;
        if (d.Socket is not null) ctx.SendSocket = d.Socket;
        ctx.PathVector = d.Path;
        ctx.Ruid = d.Ruid;
        ctx.Instance = d.Instance;
    }

    /// <summary>
    /// t_next_contact_flow(), in <c>event_route[tm:branch-failure:...]</c>: the next flow (RFC 5626) of the
    /// instance whose branch failed, kept by <c>t_next_contacts()</c>, becomes the Request-URI, for a
    /// <c>t_relay()</c> that adds it as a new branch. 1 done, -1 no flow of that instance left.
    /// </summary>
    [Function("t_next_contact_flow", RouteTypes.Event | RouteTypes.Failure)]
    public int TNextContactFlow(MessageContext ctx)
    {
        ref readonly var f = ref RouteFrame.Current;
        var tx = f.Transaction ?? TransactionLayer.Current(ctx);
        if (tx is null) return -1;
        lock (tx.Gate)
        {
            var flows = tx.ContactFlows;
            if (flows is null || flows.Count == 0) return -1;
            string? instance = f.Transaction == tx && f.Branch >= 0 && f.Branch < tx.BranchCount ? tx.Branches[f.Branch].Instance : null;
            for (int i = 0; i < flows.Count; i++)
            {
                if (instance is not null && !string.Equals(flows[i].Instance, instance, StringComparison.Ordinal)) continue;
                SetRequestTarget(ctx, flows[i]);
                ctx.Branches.Clear();
                flows.RemoveAt(i);
                return 1;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- pseudo-variables

    [PseudoVar("T_branch_idx")]
    public PvValue TBranchIdx(MessageContext ctx, string? inner)
    {
        ref readonly var f = ref RouteFrame.Current;
        return PvValue.FromInt(f.Transaction is not null && f.Type != RouteTypes.Failure ? Math.Max(0, f.Branch) : 0);
    }

    [PseudoVar("T_reply_code")]
    public PvValue TReplyCode(MessageContext ctx, string? inner) => PvValue.FromInt(ReplyCode(ctx));

    [PseudoVar("T_req")]
    public PvValue TReq(MessageContext ctx, string? inner) => MessagePv.Get(TransactionLayer.Current(ctx)?.Request, inner);

    [PseudoVar("T_rpl")]
    public PvValue TRpl(MessageContext ctx, string? inner)
    {
        ref readonly var f = ref RouteFrame.Current;
        return MessagePv.Get(f.Reply ?? (ctx.Message.IsReply ? ctx.Message : null), inner);
    }

    private static int ReplyCode(MessageContext ctx)
    {
        ref readonly var f = ref RouteFrame.Current;
        if (f.Transaction is not null && f.ReplyCode > 0) return f.ReplyCode;
        if (ctx.Message.IsReply) return ctx.Message.StatusCode;
        return TransactionLayer.Current(ctx)?.UasStatus ?? 0;
    }

    // ---------------------------------------------------------------- RPC and statistics

    /// <summary>Numbers of tm.stats (Kamailio's field names).</summary>
    public sealed record TmStatsSnapshot(long Current, long Waiting, long Total, long TotalLocal, long RplReceived, long RplGenerated, long RplSent,
        long Created, long Freed, long Tx6xx, long Tx5xx, long Tx4xx, long Tx3xx, long Tx2xx);

    /// <summary>tm.stats with Kamailio's field names and order (current, waiting, total, total_local,
    /// rpl_received, rpl_generated, rpl_sent, 6xx … 2xx, created, freed, delayed_free).</summary>
    [Rpc("tm.stats", "Transaction statistics: current, total, replies, by class")]
    public void RpcStatsKamailio(IRpcContext rpc)
    {
        var t = RpcStats();
        using var st = rpc.Struct();
        st.Add("current", t.Current).Add("waiting", t.Waiting).Add("total", t.Total).Add("total_local", t.TotalLocal)
          .Add("rpl_received", t.RplReceived).Add("rpl_generated", t.RplGenerated).Add("rpl_sent", t.RplSent)
          .Add("6xx", t.Tx6xx).Add("5xx", t.Tx5xx).Add("4xx", t.Tx4xx).Add("3xx", t.Tx3xx).Add("2xx", t.Tx2xx)
          .Add("created", t.Created).Add("freed", t.Freed).Add("delayed_free", 0);
    }

    /// <summary>The transaction counters, typed (tm.stats writes them with Kamailio's names).</summary>
    public TmStatsSnapshot RpcStats()
    {
        var s = Layer.Stats;
        long waiting = 0;
        foreach (var t in Layer.Table.Snapshot())
        {
            if (t.UasStatus >= 200) waiting++;
        }
        // total: every transaction created (Kamailio counts server and local ones); no local (t_uac) ones yet
        return new TmStatsSnapshot(Layer.Count, waiting, Interlocked.Read(ref s.Created), 0,
            Interlocked.Read(ref s.RplReceived), Interlocked.Read(ref s.RplGenerated), Interlocked.Read(ref s.RplRelayed) + Interlocked.Read(ref s.RplGenerated),
            Interlocked.Read(ref s.Created), Interlocked.Read(ref s.Freed), s.Tx6xx, s.Tx5xx, s.Tx4xx, s.Tx3xx, s.Tx2xx);
    }

    public sealed record TmListEntry(string Method, string CallId, uint CSeq, int Status, int Branches, bool Canceled, string RequestUri);

    [Rpc("tm.list", "List the transactions in the table")]
    public List<TmListEntry> RpcList()
    {
        var list = new List<TmListEntry>();
        foreach (var t in Layer.Table.Snapshot())
        {
            list.Add(new TmListEntry(System.Text.Encoding.UTF8.GetString(t.MethodText.Span), t.CallIdString, t.CSeqNumber, t.UasStatus, t.BranchCount,
                t.Canceled, System.Text.Encoding.UTF8.GetString(t.RequestUriText.Span)));
        }
        return list;
    }

    /// <summary>tm.cancel callid cseq: cancels the pending branches of that INVITE transaction.</summary>
    [Rpc("tm.cancel", "Cancel the INVITE transaction with this Call-ID and CSeq number")]
    public int RpcCancel(string callId, string cseq)
    {
        if (!uint.TryParse(cseq.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return -1;
        var id = System.Text.Encoding.UTF8.GetBytes(callId);
        foreach (var t in Layer.Table.Snapshot())
        {
            if (t.Method != SipMethod.Invite || t.CSeqNumber != n || !t.CallId.Span.SequenceEqual(id)) continue;
            lock (t.Gate) Layer.CancelTransaction(t, Settings.LocalCancelReason ? "Reason: SIP;cause=487;text=\"RPC cancel\"\r\n" : null);
            return 1;
        }
        return -1;
    }
}

using System.Buffers.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Stateless;
using Osprey.Sip.Builder;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary>
/// The transaction layer of a stateful proxy (RFC 3261 §16–17): server transactions for received
/// requests, client transactions (branches) for their forwarded copies, the timers between them, and
/// the choice of the reply that goes upstream. Script functions (<c>t_relay</c>, <c>t_reply</c>, ...)
/// call in here; the pipeline hands it every reply.
/// </summary>
public sealed partial class TransactionLayer : ITransactionLayer
{
    private const int InstanceLength = 6;
    private static readonly byte[] BranchMagic = "z9hG4bKtm"u8.ToArray();

    [ThreadStatic] private static MessageEditor? t_editor;

    private readonly byte[] _branchPrefix;
    private readonly Action<object?> _onRetr, _onFr, _onCancelRetr, _onUasRetr, _onWait, _onLifetime;

    public TransactionLayer(SipServer server, TmSettings settings, ITmScheduler clock)
    {
        Server = server;
        Settings = settings;
        Clock = clock;
        Table = new TransactionTable(settings.HashSize);
        Pool = new TransactionPool(PoolCapacity);
        // a per-process instance tag in every branch, so replies to a previous run never match
        Span<byte> inst = stackalloc byte[InstanceLength];
        var rnd = Random.Shared.Next();
        for (int i = 0; i < InstanceLength; i++) inst[i] = (byte)"0123456789abcdef"[(rnd >> (4 * i)) & 0xf];
        _branchPrefix = [.. BranchMagic, .. inst, (byte)'.'];
        _onRetr = OnBranchRetransmit;
        _onFr = OnBranchTimeout;
        _onCancelRetr = OnCancelRetransmit;
        _onUasRetr = OnUasRetransmit;
        _onWait = OnWaitOver;
        _onLifetime = OnLifetimeOver;
        _onTrim = TrimBuffers;
        Clock.Schedule(TrimIntervalMs, _onTrim, null);
    }

    /// <summary>How often the buffers no transaction needed lately are let go (<see cref="TmBuffers.Trim"/>).</summary>
    internal const int TrimIntervalMs = 2000;

    private readonly Action<object?> _onTrim;

    /// <summary>Most freed transactions kept for reuse (<see cref="TransactionPool"/>).</summary>
    internal const int PoolCapacity = 1 << 16;

    internal TransactionPool Pool { get; }

    private void TrimBuffers(object? state)
    {
        TmBuffers.Trim();
        Pool.Trim(Clock.NowMs, TmBuffers.IdleTrimsBeforeRelease * TrimIntervalMs);
        Clock.Schedule(TrimIntervalMs, _onTrim, null);
    }

    public SipServer Server { get; }
    public TmSettings Settings { get; }
    public ITmScheduler Clock { get; }
    internal TransactionTable Table { get; }
    internal TmStats Stats { get; } = new();

    /// <summary>Called on the creating thread right after a server transaction is made from a request:
    /// where the script runtime attaches <see cref="Transaction.ScriptState"/> (the $avp/$xavp lists
    /// that move with the transaction).</summary>
    public Action<Transaction, MessageContext>? TransactionCreated { get; set; }

    /// <summary>Transactions in the table (tm.stats "current").</summary>
    public int Count => Table.Count;

    /// <summary>The transaction of the context: the one created or matched for its request, or the one
    /// whose failure/reply/branch route is running.</summary>
    public static Transaction? Current(MessageContext ctx) => ctx.Transaction as Transaction ?? RouteFrame.Current.Transaction;

    public bool HasTransaction(MessageContext ctx) => Current(ctx) is not null;

    private static MessageEditor Editor(SipMessage msg)
    {
        var ed = t_editor ??= new MessageEditor();
        ed.Reset(msg);
        return ed;
    }

    // ---------------------------------------------------------------- server transactions

    /// <summary>
    /// <c>t_newtran</c>: creates the server transaction of the context's request. 1 created (or the
    /// context already has one), 0 when the request is a retransmission of an existing transaction (its
    /// last reply was resent: absorbed), -1 when no transaction can be made (an ACK).
    /// </summary>
    public int NewTransaction(MessageContext ctx, out Transaction? tx) => NewTransaction(ctx, out tx, sendTrying: true);

    // sendTrying false: t_relay sends the automatic 100 itself once a branch is out, so that an INVITE whose
    // next hop's DNS lookup is still under way gets no 100 — its UAC keeps retransmitting it, and the
    // retransmission finds the answer cached (a 100 would stop those retransmissions, RFC 3261 §17.1.1.2)
    private int NewTransaction(MessageContext ctx, out Transaction? tx, bool sendTrying)
    {
        tx = ctx.Transaction as Transaction;
        if (tx is not null) return 1;
        var msg = ctx.Message;
        if (!msg.IsRequest || msg.Method == SipMethod.Ack) return -1;
        var found = Table.FindOrInsert(msg, LookupKind.Same, null, out _);
        if (found is not null)
        {
            tx = found;
            Interlocked.Increment(ref Stats.AbsorbedRequests);
            ResendLastReply(found);
            return 0;
        }
        var created = NewServerTransaction(ctx, msg);
        found = Table.FindOrInsert(msg, LookupKind.Same, created, out bool inserted);
        if (!inserted)
        {
            tx = found;
            ResendLastReply(found!);
            return 0;
        }
        tx = created;
        ctx.Transaction = tx;
        PendingBindings.Peek(ctx)?.MoveTo(tx);
        TakeOverAvps(tx, ctx);
        TransactionCreated?.Invoke(tx, ctx);
        Interlocked.Increment(ref Stats.UasTransactions);
        Interlocked.Increment(ref Stats.Created);
        lock (tx.Gate)
        {
            if (msg.Method == SipMethod.Invite)
            {
                // a CANCEL that overtook its INVITE (forwarded statefully as unmatched_cancel 0 does)
                if (Table.FindOrInsert(msg, LookupKind.CancelOfInvite, null, out _) is not null) tx.Canceled = true;
                if (sendTrying) SendTrying(tx, ctx);
            }
            int life = msg.Method == SipMethod.Invite ? Settings.MaxInvLifetime : Settings.MaxNonInvLifetime;
            tx.LifetimeTimer = Clock.Schedule(life, _onLifetime, tx);
        }
        return 1;
    }

    // caller holds tx.Gate: auto_inv_100
    private void SendTrying(Transaction tx, MessageContext ctx)
    {
        if (Settings.AutoInv100 && !tx.Canceled && tx.Method == SipMethod.Invite && tx.UasStatus == 0)
        {
            SendLocalReply(tx, ctx, 100, Settings.AutoInv100ReasonBytes);
        }
    }

    private Transaction NewServerTransaction(MessageContext ctx, SipMessage msg)
    {
        ref readonly var via = ref msg.TopVia;
        var topVia = via.Range.Of(msg.Span);
        // the matching key's parts, copied into one array (one object per transaction, not nine)
        int keyLength = msg.MethodText.Length + via.Branch.Length + via.Host.Length + msg.CallId.Length + msg.From.Tag.Length
            + msg.To.Tag.Length + msg.RequestUriText.Length + topVia.Length + ToTagLength;
        var tx = Pool.Rent(Clock.NowMs) ?? new Transaction();
        var keys = tx.KeyBuffer;
        if (keys is null || keys.Length < keyLength) tx.KeyBuffer = keys = new byte[Math.Max(keyLength, 256)];
        int at = 0;
        tx.Method = msg.Method;
        tx.MethodText = Key(keys, ref at, msg.MethodText);
        tx.Rfc3261 = via.HasMagicCookie;
        tx.ViaBranch = Key(keys, ref at, via.Branch);
        tx.SentByHost = Key(keys, ref at, via.Host);
        tx.SentByPort = via.Port;
        tx.CallId = Key(keys, ref at, msg.CallId);
        tx.CSeqNumber = msg.CSeq.Number;
        tx.FromTag = Key(keys, ref at, msg.From.Tag);
        tx.RequestToTag = Key(keys, ref at, msg.To.Tag);
        tx.RequestUriText = Key(keys, ref at, msg.RequestUriText);
        tx.TopViaText = Key(keys, ref at, topVia);
        tx.Source = ctx.Source;
        tx.Local = ctx.Local;
        tx.ConnectionId = ctx.ConnectionId;
        tx.NoisyCtimer = Settings.NoisyCtimer;
        tx.SavedFlags = ctx.Flags;
        tx.AdoptRequest(msg);
        StatelessReplier.ToTagFor(msg, keys.AsSpan(at, ToTagLength));
        tx.ReplyToTag = keys.AsMemory(at, ToTagLength);
        tx.KeyLength = at + ToTagLength;
        return tx;
    }

    private const int ToTagLength = 16;

    private static ReadOnlyMemory<byte> Key(byte[] keys, ref int at, ReadOnlySpan<byte> value)
    {
        value.CopyTo(keys.AsSpan(at));
        var m = keys.AsMemory(at, value.Length);
        at += value.Length;
        return m;
    }

    /// <summary><c>t_reply</c>: a reply from this server through the transaction. False when there is no
    /// transaction or a final reply was already sent.</summary>
    public bool Reply(MessageContext ctx, int status, string reason)
    {
        Span<byte> utf8 = stackalloc byte[StatelessReplier.ReasonStackBytes];
        return Reply(ctx, status, StatelessReplier.EncodeReason(reason, utf8), default);
    }

    public bool Reply(MessageContext ctx, int status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders)
    {
        var tx = Current(ctx);
        if (tx is null)
        {
            if (NewTransaction(ctx, out tx) != 1 || tx is null) return false;
        }
        lock (tx.Gate)
        {
            if (!tx.IsOwnRequest(ctx.Message)) ctx = RequestContext(tx);
            return SendLocalReply(tx, ctx, status, reason, extraHeaders);
        }
    }

    /// <summary>A context for the transaction's request, as failure routes and timers use it: the request
    /// after the request route's edits, its new Request-URI and the transaction's flags.</summary>
    public MessageContext RequestContext(Transaction tx)
    {
        var ctx = MessageContext.ForStoredMessage(Server, tx.BaseRequest ?? tx.Request, tx.Source, tx.Local, tx.ConnectionId);
        ctx.Transaction = tx;
        ctx.NewRequestUri = tx.SavedRequestUri;
        ctx.Flags = tx.SavedFlags;
        UseTransactionAvps(tx, ctx);
        return ctx;
    }

    // caller holds tx.Gate
    internal bool SendLocalReply(Transaction tx, MessageContext ctx, int status, ReadOnlySpan<byte> reason, ReadOnlySpan<byte> extraHeaders = default)
    {
        if (tx.Deleted || tx.UasStatus >= 200 || tx.Method == SipMethod.Ack) return false; // RFC 3261 §16.7 step 5: one final reply
        if (tx.LocalUac) return CompleteLocalUac(tx, ctx, status, reason);
        using var bytes = Server.Replier.BuildReply(ctx, status, reason, tx.ReplyToTag.Span, extraHeaders, default, default, out bool fillRport);
        tx.ReplyDestination ??= Server.Replier.ReplyDestination(ctx, fillRport);
        tx.LocalReply = true;
        if (ctx.Transaction == tx && ctx.Message.IsRequest) tx.SavedFlags = ctx.Flags; // flags set since t_newtran count (acc)
        Interlocked.Increment(ref Stats.RplGenerated);
        bool first = tx.UasStatus < 200;
        SendUpstream(tx, bytes.Span, status, tx.ReplyToTag.Span);
        if (first) NotifyLocalReply(tx, ctx, status, reason);
        return true;
    }

    // caller holds tx.Gate. Sends a reply upstream, keeps it for retransmissions of the request.
    private void SendUpstream(Transaction tx, ReadOnlySpan<byte> reply, int status, ReadOnlySpan<byte> toTag, bool relayed = false)
    {
        if (tx.UasStatus < 200 || status is >= 200 and < 300)
        {
            if (tx.LastReply is null || tx.LastReply.Length < reply.Length)
            {
                if (tx.LastReply is not null) TmBuffers.Return(tx.LastReply);
                tx.LastReply = TmBuffers.Rent(reply.Length);
            }
            reply.CopyTo(tx.LastReply);
            tx.LastReplyLength = reply.Length;
        }
        if (tx.ReplyDestination is not null && (!relayed || OnSendAllowsReply(tx, reply))) Server.Sender.Send(tx.Local.Protocol, tx.ReplyDestination, reply, tx.Local, tx.ConnectionId);
        if (status >= 200 && tx.UasStatus < 200)
        {
            if (!toTag.IsEmpty) tx.ReplyToTag = tx.KeepReplyToTag(toTag);
            OnFinalSent(tx, status);
        }
        else if (status < 200 && tx.UasStatus < 200)
        {
            tx.UasStatus = status;
        }
    }

    // caller holds tx.Gate: RFC 3261 §17.2.1 (INVITE) and §17.2.2 (non-INVITE) after the final reply
    private void OnFinalSent(Transaction tx, int status)
    {
        tx.UasStatus = status;
        tx.DropParsedRequests();
        Stats.CountFinal(status);
        if (tx.Method == SipMethod.Invite && status >= 300)
        {
            tx.UasState = UasState.Completed;
            if (!tx.Local.Protocol.IsReliable())
            {
                tx.UasRetrIntervalMs = Settings.RetrTimer1; // Timer G
                tx.UasRetrTimer = Clock.Schedule(tx.UasRetrIntervalMs, _onUasRetr, tx);
            }
            SetWait(tx, 64L * Settings.RetrTimer1); // Timer H: wait for the ACK
        }
        else
        {
            // As Kamailio does, the transaction lingers wt_timer (5 s) after its final reply, not the 64·T1
            // (32 s) of RFC 3261 §17.2.2 Timer J (non-INVITE over UDP) and RFC 6026 §8.7 Timer L (INVITE
            // after a 2xx): a request retransmitted later than wt_timer starts a new transaction and is
            // forwarded again, and a late 2xx retransmission is forwarded statelessly (docs/tm-lifecycle.md). Six
            // times fewer finished transactions are alive under load, with their messages.
            tx.UasState = UasState.Finished;
            SetWait(tx, Settings.WtTimer);
        }
    }

    // "SIP/2.0 200 OK\r\n": the reason phrase of a status line
    private static ReadOnlySpan<byte> ReasonOf(ReadOnlySpan<byte> reply)
    {
        int eol = reply.IndexOf((byte)'\r');
        if (eol < 0) return default;
        var line = reply[..eol];
        int sp = line.IndexOf((byte)' ');
        if (sp < 0) return default;
        int sp2 = line[(sp + 1)..].IndexOf((byte)' ');
        return sp2 < 0 ? default : line[(sp + sp2 + 2)..];
    }

    private void ResendLastReply(Transaction tx)
    {
        lock (tx.Gate)
        {
            if (tx.Deleted || tx.LastReply is null || tx.ReplyDestination is null) return;
            Server.Sender.Send(tx.Local.Protocol, tx.ReplyDestination, tx.LastReply.AsSpan(0, tx.LastReplyLength), tx.Local, tx.ConnectionId);
        }
    }

    // caller holds tx.Gate: ACK for a negative final reply (RFC 3261 §17.2.1 Confirmed)
    private void AckReceived(Transaction tx)
    {
        if (tx.UasState != UasState.Completed) return;
        tx.UasState = UasState.Confirmed;
        Clock.Cancel(tx.UasRetrTimer);
        SetWait(tx, tx.Local.Protocol.IsReliable() ? 0 : Settings.WtTimer); // Timer I (T4 in the RFC; wt_timer as Kamailio)
    }

    // caller holds tx.Gate
    private void SetWait(Transaction tx, long ms)
    {
        Clock.Cancel(tx.WaitTimer);
        tx.WaitDeadline = Clock.NowMs + ms;
        tx.WaitTimer = Clock.Schedule(ms, _onWait, tx);
    }

    // caller holds tx.Gate
    // expired: from the wait timer (the request's buffer goes back to the pool too)
    private void Delete(Transaction tx, bool expired = false)
    {
        if (tx.Deleted) return;
        tx.Deleted = true;
        Clock.Cancel(tx.WaitTimer);
        Clock.Cancel(tx.UasRetrTimer);
        Clock.Cancel(tx.LifetimeTimer);
        for (int i = 0; i < tx.BranchCount; i++)
        {
            var b = tx.Branches[i];
            Clock.Cancel(b.RetrTimer);
            Clock.Cancel(b.FrTimer);
            Clock.Cancel(b.CancelTimer);
        }
        if (Table.Remove(tx)) Interlocked.Increment(ref Stats.Freed);
        tx.ReleaseBuffers(expired);
        // the wait timer ran out, so no route runs on it any more: the object can serve again
        if (expired) Pool.Retire(tx, Clock.NowMs);
    }

    /// <summary><c>t_release</c>: ends the transaction now (its table entry goes; nothing is sent).</summary>
    public int Release(MessageContext ctx)
    {
        var tx = Current(ctx);
        if (tx is null) return -1;
        lock (tx.Gate) Delete(tx);
        if (ctx.Transaction == tx) ctx.Transaction = null;
        return 1;
    }

    // ---------------------------------------------------------------- routes

    internal int RunRoute(RouteTypes type, string name, MessageContext ctx, Transaction tx, int branch, SipMessage? reply, int code)
    {
        if (Server.Router is not IRouteRunner runner) return 1;
        var saved = RouteFrame.Current;
        RouteFrame.Current = new RouteFrame { Type = type, Transaction = tx, Branch = branch, Reply = reply, ReplyCode = code };
        try
        {
            return runner.RunRoute(type, name, ctx);
        }
        finally
        {
            RouteFrame.Current = saved;
        }
    }

    // ---------------------------------------------------------------- branch ids

    // z9hG4bKtm<instance>.<bucket hex>.<label hex>.<branch>
    private int WriteBranchId(Span<byte> dest, Transaction tx, int branch)
    {
        _branchPrefix.CopyTo(dest);
        int n = _branchPrefix.Length;
        Utf8Formatter.TryFormat(tx.Bucket, dest[n..], out int w, new System.Buffers.StandardFormat('x'));
        n += w;
        dest[n++] = (byte)'.';
        Utf8Formatter.TryFormat(tx.Label, dest[n..], out w, new System.Buffers.StandardFormat('x'));
        n += w;
        dest[n++] = (byte)'.';
        Utf8Formatter.TryFormat(branch, dest[n..], out w);
        return n + w;
    }

    internal bool TryParseBranchId(ReadOnlySpan<byte> b, out int bucket, out uint label, out int branch)
    {
        bucket = 0;
        label = 0;
        branch = 0;
        if (!b.StartsWith(_branchPrefix)) return false;
        b = b[_branchPrefix.Length..];
        int dot = b.IndexOf((byte)'.');
        if (dot <= 0 || !Utf8Parser.TryParse(b[..dot], out bucket, out int used, 'x') || used != dot) return false;
        b = b[(dot + 1)..];
        dot = b.IndexOf((byte)'.');
        if (dot <= 0 || !Utf8Parser.TryParse(b[..dot], out label, out used, 'x') || used != dot) return false;
        b = b[(dot + 1)..];
        return Utf8Parser.TryParse(b, out branch, out used) && used == b.Length && branch >= 0;
    }
}

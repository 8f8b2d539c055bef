using Osprey.Core.Modules;
using Osprey.Core.Dns;
using Osprey.Core.Pipeline;
using Osprey.Core.Stateless;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary><c>t_relay_to</c>'s flags (Kamailio's bits).</summary>
[Flags]
public enum RelayFlags
{
    None = 0,

    /// <summary>0x01: no automatic 100 Trying for a new INVITE transaction.</summary>
    No100 = 1,

    /// <summary>0x02: no reply on an internal error (Osprey's t_relay never sends one; the script does).</summary>
    NoErrorReply = 2,

    /// <summary>0x04: no DNS failover for this transaction.</summary>
    NoDnsFailover = 4,
}

public sealed partial class TransactionLayer
{
    /// <summary>
    /// <c>t_relay</c>: forwards the context's request statefully to the Request-URI (or <c>$du</c>) and
    /// to every branch of its destination set (parallel forking). <paramref name="forcedDestination"/>
    /// (a URI) replaces the next hop of every branch (<c>t_relay(host, port)</c>, <c>t_relay_to_udp</c>).
    /// An ACK is absorbed when it acknowledges a negative reply of ours, otherwise forwarded statelessly
    /// (end to end); a CANCEL cancels its INVITE's branches. Returns 1 when relayed, 0 when the request
    /// was absorbed (a retransmission, a CANCEL or ACK handled here), negative on failure.
    /// <paramref name="flags"/>: <c>t_relay_to</c>'s bits.
    /// </summary>
    public int Relay(MessageContext ctx, string? forcedDestination = null, RelayFlags flags = RelayFlags.None)
    {
        var msg = ctx.Message;
        ref readonly var frame = ref RouteFrame.Current;
        bool inFailure = frame.Type == RouteTypes.Failure && frame.Transaction is not null && ctx.Transaction == frame.Transaction;
        if (!inFailure && ctx.Transaction is null)
        {
            if (msg.Method == SipMethod.Ack) return RelayAck(ctx, forcedDestination);
            if (msg.Method == SipMethod.Cancel)
            {
                var invite = Table.FindOrInsert(msg, LookupKind.InviteOfCancel, null, out _);
                if (invite is not null) return RelayCancel(ctx, invite);
                if (Settings.UnmatchedCancel == 1) return Stateless(ctx, forcedDestination);
                if (Settings.UnmatchedCancel == 2) return 0;
            }
        }
        Transaction tx;
        bool created = false;
        if (inFailure) tx = frame.Transaction!;
        else if (ctx.Transaction is Transaction existing) tx = existing;
        else
        {
            int r = NewTransaction(ctx, out var t, sendTrying: false);
            if (r <= 0) return r;
            tx = t!;
            created = true;
        }
        lock (tx.Gate)
        {
            if (tx.Deleted || tx.UasStatus >= 200) return -1;
            if ((flags & RelayFlags.NoDnsFailover) != 0) tx.DisableFailover = true;
            if (tx.Canceled)
            {
                // RFC 3261 §16.10: a canceled request is not forwarded any further
                if (!inFailure && tx.BranchCount == 0) SendLocalReply(tx, ctx, 487, "Request Terminated"u8);
                return inFailure ? -1 : 0;
            }
            if (tx.Blocked6xx) return -1; // RFC 3261 §16.7 step 5: a 6xx ends the search
            SipMessage baseMsg;
            byte[]? tempBuffer = null; // a failure route's edited copy, given back once the branches are built
            if (inFailure)
            {
                baseMsg = ctx.Editor.EditCount > 0 ? Rebuild(ctx, out tempBuffer) : ctx.Message;
                tx.Leg++;
                int mode = tx.DropRepliesMode >= 0 ? tx.DropRepliesMode : Settings.FailureReplyMode;
                if (mode != 0) tx.SelectFromLeg = tx.Leg;
                tx.DropRepliesMode = -1;
            }
            else
            {
                if (tx.BaseRequest is null)
                {
                    // the one copy of the request with the route's edits that the transaction keeps (pooled)
                    // parsed into this thread's scratch message: once the branches are built only the
                    // bytes stay, parsed again if a later route asks for the request
                    baseMsg = ctx.Editor.EditCount > 0 ? Rebuild(ctx, out tx.BaseBuffer, scratch: true) : msg;
                    tx.BaseLength = tx.BaseBuffer is null ? 0 : baseMsg.Length;
                    // unedited, the base is the received request (whose object the receive loop reuses)
                    tx.BaseRequest = tx.BaseBuffer is null ? null : baseMsg;
                }
                else
                {
                    baseMsg = ctx.Editor.EditCount > 0 ? Rebuild(ctx, out tempBuffer) : tx.BaseRequest;
                }
                tx.SavedRequestUri = ctx.NewRequestUri;
                tx.SavedFlags = ctx.Flags;
                if (ctx.ForceRport && tx.LastReply is null) tx.ReplyDestination = null;
                tx.ReplyDestination ??= Server.Replier.ReplyDestination(ctx, ctx.ForceRport || Server.Settings.ForceRport || msg.TopVia.HasRport);
            }
            int added = 0, err = -1;
            int r0 = AddBranch(tx, ctx, baseMsg, ctx.NewRequestUri, forcedDestination ?? ctx.DestinationUri, ctx.SendSocket, ctx.PathVector, ctx.Ruid, ctx.Instance);
            if (r0 > 0) added++;
            else err = r0;
            var set = ctx.Branches;
            for (int i = 0; i < set.Count; i++)
            {
                ref var d = ref set[i];
                // RFC 5626 §5.3: one flow per instance at a time (t_next_contact_flow() tries the others)
                if (d.Instance is not null && SameInstanceBefore(ctx, set, i)) continue;
                int r = AddBranch(tx, ctx, baseMsg, d.Uri, forcedDestination ?? d.DestinationUri, d.Socket ?? ctx.SendSocket, d.Path, d.Ruid, d.Instance);
                if (r > 0) added++;
                else err = r;
            }
            set.Clear();
            if (tempBuffer is not null) TmBuffers.Return(tempBuffer);
            if (ReferenceEquals(baseMsg, t_scratch) && t_scratchBusy)
            {
                // the scratch served as tx.BaseRequest: from here on the transaction keeps only its bytes
                t_scratchBusy = false;
                tx.BaseRequest = null;
            }
            if (added == 0)
            {
                if (created)
                {
                    Delete(tx);
                    ctx.Transaction = null;
                }
                // a DNS lookup under way: nothing is sent or answered; the retransmission finds it cached
                return err == DnsPending ? 0 : err;
            }
            if (created && (flags & RelayFlags.No100) == 0) SendTrying(tx, ctx);
            return 1;
        }
    }

    private static bool SameInstanceBefore(MessageContext ctx, DestinationSet set, int i)
    {
        string instance = set[i].Instance!;
        if (string.Equals(ctx.Instance, instance, StringComparison.Ordinal)) return true;
        for (int j = 0; j < i; j++)
        {
            if (string.Equals(set[j].Instance, instance, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private int Stateless(MessageContext ctx, string? forcedDestination)
    {
        if (forcedDestination is not null) ctx.DestinationUri = forcedDestination;
        return Server.Forwarder.ForwardRequest(ctx).Sent ? 1 : -1;
    }

    /// <summary>The request with the script's edits applied, parsed again: what branches are built from.
    /// Its bytes are in <paramref name="rented"/> (pooled: the caller gives it back), null when the edited
    /// request did not parse and the context's message is returned instead. With <paramref name="scratch"/>
    /// the parse goes into this thread's scratch message when it is free (<see cref="t_scratchBusy"/>):
    /// the caller frees it once the branches are built.</summary>
    private static SipMessage Rebuild(MessageContext ctx, out byte[]? rented, bool scratch = false)
    {
        using var bytes = ctx.Editor.Apply();
        var buf = TmBuffers.Rent(bytes.Length);
        bytes.Span.CopyTo(buf);
        SipMessage? parsed;
        if (scratch && !t_scratchBusy)
        {
            parsed = SipMessage.ParseReusing(t_scratch, buf.AsMemory(0, bytes.Length), Framing.Datagram, out _);
            t_scratch = parsed;
            t_scratchBusy = parsed is not null;
        }
        else parsed = SipMessage.Parse(buf.AsMemory(0, bytes.Length), Framing.Datagram, out _);
        if (parsed is null)
        {
            TmBuffers.Return(buf);
            rented = null;
            return ctx.Message;
        }
        rented = buf;
        return parsed;
    }

    // caller holds tx.Gate. One client transaction: build, send, arm the timers. 1 or a negative error.
    private int AddBranch(Transaction tx, MessageContext ctx, SipMessage baseMsg, string? uri, string? dst, ListenEndpoint? socket, string? path,
        string? ruid = null, string? instance = null)
    {
        if (tx.BranchCount >= Settings.MaxBranches) return Fail(ctx, -2, 500, "Too many branches");
        var msg = baseMsg;
        byte[]? branchBuffer = null; // a branch route's edited copy (pooled), given back once the branch is built
        if (tx.OnBranch is string branchRoute)
        {
            var bctx = MessageContext.ForStoredMessage(Server, baseMsg, tx.Source, tx.Local, tx.ConnectionId);
            bctx.Transaction = tx;
            bctx.NewRequestUri = uri;
            bctx.DestinationUri = dst;
            bctx.SendSocket = socket;
            bctx.Flags = ctx.Flags;
            UseTransactionAvps(tx, bctx);
            if (RunRoute(RouteTypes.Branch, branchRoute, bctx, tx, tx.BranchCount, null, 0) == 0) return -1; // drop: no such branch
            uri = bctx.NewRequestUri;
            dst = bctx.DestinationUri;
            socket = bctx.SendSocket;
            if (bctx.Editor.EditCount > 0) msg = Rebuild(bctx, out branchBuffer);
        }
        if (!ResolveBranchHop(msg, dst, uri, socket, out var hop, out var targets, out var outcome))
        {
            if (branchBuffer is not null) TmBuffers.Return(branchBuffer);
            return outcome == ForwardOutcome.Pending ? DnsPending : Fail(ctx, -1, outcome.Status, outcome.Reason);
        }
        var b = tx.AddBranch();
        b.Targets = targets;
        Span<byte> id = stackalloc byte[64];
        int idLen = WriteBranchId(id, tx, b.Index);
        var ed = Editor(msg);
        Span<byte> utf8 = stackalloc byte[768]; // the editor copies what it is given: nothing allocated per branch
        if (uri is not null) ed.SetRequestUri(Osprey.Sip.Text.SipChars.Utf8(uri, utf8));
        StatelessForwarder.InsertVia(ed, hop.Local, id[..idLen]);
        if (!string.IsNullOrEmpty(path))
        {
            // RFC 3327 §5.3: the Path of the binding becomes the Route set of the branch
            ed.BeginInsert(msg.HeadersStart);
            ed.Write("Route: "u8);
            ed.Write(Osprey.Sip.Text.SipChars.Utf8(path, utf8));
            ed.Write("\r\n"u8);
            ed.EndInsert();
        }
        using (var bytes = ed.Apply(ensureContentLength: hop.Protocol.IsReliable()))
        {
            b.SetRequest(bytes.Span);
        }
        if (uri is not null) b.Uri = uri; // otherwise read from the request line when asked
        if (branchBuffer is not null) TmBuffers.Return(branchBuffer); // msg is not used past here
        b.DestinationUri = dst;
        b.Ruid = ruid;
        b.Instance = instance;
        b.Protocol = hop.Protocol;
        b.Destination = hop.Destination;
        b.Local = hop.Local;
        if (!SendBranch(tx, b, ctx) && !FailOver(tx, b, TargetFailure.SendFailure, -1))
        {
            return Fail(ctx, -3, 477, "Unfortunately error on sending to next hop occurred");
        }
        return 1;
    }

    // caller holds tx.Gate. Sends a new branch's request and arms its timers; false on a transport error,
    // which counts as a 503 from that branch (RFC 3261 §16.9).
    // With the script's context, onsend_route runs first; its drop counts as a failure of the branch.
    private bool SendBranch(Transaction tx, ClientBranch b, MessageContext? ctx = null)
    {
        Interlocked.Increment(ref Stats.UacTransactions);
        if (!OnSendFrame.Allows(Server, ctx, new OutgoingSend(b.Protocol, b.Destination, b.Local, b.Request, false)))
        {
            b.Status = 503;
            b.Faked = true;
            return false;
        }
        if (Server.Sender.Send(b.Protocol, b.Destination, b.Request, b.Local) != SendResult.Sent)
        {
            b.Status = 503;
            b.Faked = true;
            Server.Dns.Blocklist.Add(b.Protocol, b.Destination, BlocklistReason.SendFailure);
            return false;
        }
        Server.Stats.FwdRequests.Increment();
        if (!b.Protocol.IsReliable())
        {
            b.RetrIntervalMs = Settings.RetrTimer1; // Timer A / E
            b.RetrTimer = Clock.Schedule(b.RetrIntervalMs, _onRetr, b);
        }
        ArmFinalResponseTimer(b, FrTimeout(tx));
        return true;
    }

    private const int DnsPending = -100;

    // The edited request a new transaction's branches are built from, parsed into one object per thread.
    [ThreadStatic] private static SipMessage? t_scratch;
    [ThreadStatic] private static bool t_scratchBusy;

    [ThreadStatic] private static (long Serial, int Status, string Reason) t_lastError;

    private static int Fail(MessageContext ctx, int code, int status, string reason)
    {
        t_lastError = (ctx.Message.Serial, status, reason);
        return code;
    }

    /// <summary>Why the last relay of the context's request failed (for <c>sl_reply_error</c>), or null.</summary>
    public static (int Status, string Reason)? LastError(MessageContext ctx)
    {
        var e = t_lastError;
        return e.Serial == ctx.Message.Serial ? (e.Status, e.Reason) : null;
    }

    private int FrTimeout(Transaction tx) => tx.FrTimeoutMs > 0 ? tx.FrTimeoutMs : Settings.FrTimer;

    private int FrInvTimeout(Transaction tx) => tx.FrInvTimeoutMs > 0 ? tx.FrInvTimeoutMs : Settings.FrInvTimer;

    // caller holds tx.Gate. Timer B / F (fr_timer), or fr_inv_timer once a provisional arrived.
    private void ArmFinalResponseTimer(ClientBranch b, int ms)
    {
        Clock.Cancel(b.FrTimer);
        b.FrDeadline = Clock.NowMs + ms;
        b.FrTimer = Clock.Schedule(ms, _onFr, b);
    }

    // ---------------------------------------------------------------- ACK and CANCEL

    private int RelayAck(MessageContext ctx, string? forcedDestination)
    {
        var invite = Table.FindOrInsert(ctx.Message, LookupKind.AckToInvite, null, out _);
        if (invite is not null)
        {
            lock (invite.Gate)
            {
                if (invite.UasStatus >= 300)
                {
                    // RFC 3261 §17.2.1: the ACK of a negative reply ends at this hop
                    AckReceived(invite);
                    return 0;
                }
            }
        }
        // RFC 3261 §16.7 / §13.2.2.4: the ACK of a 2xx is a request of its own, routed end to end
        NotifyE2eAck(ctx);
        return Stateless(ctx, forcedDestination);
    }

    /// <summary>The INVITE transaction an ACK belongs to when it acknowledges a negative reply, or null.</summary>
    internal Transaction? NegativeAckTarget(SipMessage ack)
    {
        var invite = Table.FindOrInsert(ack, LookupKind.AckToInvite, null, out _);
        if (invite is null) return null;
        lock (invite.Gate) return invite.UasStatus >= 300 ? invite : null;
    }

    internal void AbsorbAck(Transaction invite)
    {
        lock (invite.Gate) AckReceived(invite);
    }

    /// <summary>The INVITE transaction a CANCEL cancels, or null.</summary>
    internal Transaction? InviteOf(SipMessage cancel) => Table.FindOrInsert(cancel, LookupKind.InviteOfCancel, null, out _);

    /// <summary>Any transaction the request belongs to (a retransmission), or null.</summary>
    internal Transaction? Lookup(SipMessage request) => Table.FindOrInsert(request, LookupKind.Same, null, out _);

    // RFC 3261 §16.10: answer the CANCEL here (200), cancel every pending branch of its INVITE
    private int RelayCancel(MessageContext ctx, Transaction invite)
    {
        int r = NewTransaction(ctx, out var cancelTx);
        if (r <= 0) return r;
        lock (cancelTx!.Gate) SendLocalReply(cancelTx, ctx, 200, "OK"u8);
        string? reason = null;
        if (Settings.E2eCancelReason)
        {
            var m = ctx.Message;
            for (int i = m.IndexOf(HeaderId.Reason); i >= 0; i = m.NextIndexOf(HeaderId.Reason, i))
            {
                ref readonly var h = ref m.Header(i);
                reason += System.Text.Encoding.UTF8.GetString(m.Span[h.LineStart..h.Value.End]) + "\r\n";
            }
        }
        lock (invite.Gate) CancelTransaction(invite, reason);
        return 1;
    }

    /// <summary>Cancels every pending branch of an INVITE transaction (CANCEL received, <c>tm.cancel</c>).</summary>
    // caller holds tx.Gate
    internal void CancelTransaction(Transaction tx, string? reasonLines)
    {
        if (tx.Deleted) return;
        tx.Canceled = true;
        tx.CancelReasonHeader = reasonLines;
        bool faked = false;
        for (int i = 0; i < tx.BranchCount; i++)
        {
            faked |= CancelBranch(tx.Branches[i], reasonLines);
        }
        if (faked) TryComplete(tx);
    }

    // caller holds tx.Gate. True when the branch was ended by a faked 487 (cancel_b_method 0).
    private bool CancelBranch(ClientBranch b, string? reasonLines)
    {
        if (!b.IsPending || b.Cancel != CancelState.None) return false;
        if (b.Status >= 100 || Settings.CancelBMethod == 2)
        {
            SendCancel(b, reasonLines);
            return false;
        }
        if (Settings.CancelBMethod == 0)
        {
            Clock.Cancel(b.RetrTimer);
            Clock.Cancel(b.FrTimer);
            b.RetrIntervalMs = 0;
            b.Status = 487;
            b.Faked = true;
            return true;
        }
        // RFC 3261 §9.1: no CANCEL before a provisional reply; sent when one arrives
        b.Cancel = CancelState.Pending;
        b.CancelReason = reasonLines;
        return false;
    }

    // caller holds tx.Gate
    private void SendCancel(ClientBranch b, string? reasonLines)
    {
        b.CancelRequest = TmMessages.Cancel(b.Sent, reasonLines);
        b.Cancel = CancelState.Sent;
        if (b.Status == 0)
        {
            Clock.Cancel(b.RetrTimer); // cancel_b_method 2: stop the INVITE's retransmissions
            b.RetrIntervalMs = 0;
        }
        Server.Sender.Send(b.Protocol, b.Destination, b.CancelRequest, b.Local);
        b.CancelDeadline = Clock.NowMs + Settings.FrTimer;
        if (!b.Protocol.IsReliable())
        {
            b.CancelIntervalMs = Settings.RetrTimer1;
            b.CancelTimer = Clock.Schedule(b.CancelIntervalMs, _onCancelRetr, b);
        }
    }

    private string? LocalCancelReason(int status) =>
        !Settings.LocalCancelReason ? null
        : status is >= 200 and < 300 ? "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n"
        : "Reason: SIP;cause=" + status.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\r\n";

    // caller holds tx.Gate. RFC 3261 §16.7 step 10 (2xx) and step 5 (6xx): the other branches are over.
    private void CancelOtherBranches(Transaction tx, ClientBranch except, int status)
    {
        var reason = LocalCancelReason(status);
        for (int i = 0; i < tx.BranchCount; i++)
        {
            var b = tx.Branches[i];
            if (b != except) CancelBranch(b, reason);
        }
    }
}

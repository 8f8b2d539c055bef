using Osprey.Core.Dns;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Stateless;
using Osprey.Sip.Builder;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

public sealed partial class TransactionLayer
{
    /// <summary>A reply from the network (after the core reply_route). True when it belongs to one of
    /// our client transactions: relayed upstream or absorbed here. False for anything else, which the
    /// pipeline forwards statelessly (a 2xx retransmission after the transaction ended, for instance).</summary>
    public bool OnReply(MessageContext ctx)
    {
        var msg = ctx.Message;
        if (!TryParseBranchId(msg.TopVia.Branch, out int bucket, out uint label, out int index)) return false;
        var tx = Table.Find(bucket, label);
        if (tx is null) return false;
        Interlocked.Increment(ref Stats.RplReceived);
        var method = msg.CSeq.Method;
        lock (tx.Gate)
        {
            if (tx.Deleted || index >= tx.BranchCount) return true;
            var b = tx.Branches[index];
            if (method == SipMethod.Cancel && tx.Method != SipMethod.Cancel)
            {
                // the reply to our hop-by-hop CANCEL (RFC 3261 §9.1): it ends here
                if (b.Cancel == CancelState.Sent)
                {
                    b.Cancel = CancelState.Replied;
                    Clock.Cancel(b.CancelTimer);
                }
                return true;
            }
            if (method != tx.Method) return true;
            ctx.Transaction = tx;
            UseTransactionAvps(tx, ctx);
            OnBranchReply(tx, b, ctx);
        }
        return true;
    }

    // caller holds tx.Gate
    private void OnBranchReply(Transaction tx, ClientBranch b, MessageContext ctx)
    {
        var msg = ctx.Message;
        int status = msg.StatusCode;
        bool invite = tx.Method == SipMethod.Invite;
        b.EverReplied = true;
        b.LastReceived = status;
        if (b.Status >= 200)
        {
            // a retransmitted final, or a real final after a faked one
            if (!invite) return;
            if (status is >= 200 and < 300)
            {
                RelayUpstream(tx, ctx.Editor, msg, status); // RFC 3261 §16.7 step 10: every 2xx goes up
            }
            else if (status >= 300)
            {
                b.Ack ??= TmMessages.Ack(b.Sent, msg);
                Server.Sender.Send(b.Protocol, b.Destination, b.Ack, b.Local);
            }
            return;
        }
        if (invite)
        {
            // RFC 3261 §17.1.1.2: any reply stops the INVITE's retransmissions
            Clock.Cancel(b.RetrTimer);
            b.RetrIntervalMs = 0;
        }
        else if (status < 200 && b.RetrIntervalMs > 0)
        {
            b.RetrIntervalMs = Settings.RetrTimer2; // §17.1.2.2 Proceeding: every T2
        }
        if (status < 200)
        {
            bool first = b.Status == 0;
            b.Status = status;
            if (invite && (first || Settings.RestartFrOnEachReply)) ArmFinalResponseTimer(b, FrInvTimeout(tx));
            if (b.Cancel == CancelState.Pending) SendCancel(b, b.CancelReason);
        }
        if (tx.OnReply is string onReply)
        {
            int r = RunRoute(RouteTypes.OnReply, onReply, ctx, tx, b.Index, msg, status);
            if (r == 0 && status < 200) return; // dropped in onreply_route
        }
        if (status < 200)
        {
            // RFC 3261 §16.7 step 5: provisional replies go up at once, except 100
            if (status > 100 && tx.UasStatus < 200) RelayUpstream(tx, ctx.Editor, msg, status);
            return;
        }
        Clock.Cancel(b.RetrTimer);
        Clock.Cancel(b.FrTimer);
        b.RetrIntervalMs = 0;
        b.Status = status;
        if (invite && status >= 300)
        {
            b.Ack = TmMessages.Ack(b.Sent, msg);
            Server.Sender.Send(b.Protocol, b.Destination, b.Ack, b.Local);
        }
        if (status < 300)
        {
            if (invite) CancelOtherBranches(tx, b, status);
            RelayUpstream(tx, ctx.Editor, msg, status);
            return;
        }
        msg.Detach();
        b.FinalReply = msg;
        if (invite && status >= 600)
        {
            tx.Blocked6xx = true;
            CancelOtherBranches(tx, b, status);
        }
        if (status == 503) FailOver(tx, b, TargetFailure.Reply503, RetryAfterSeconds(msg)); // RFC 3263 §4.3
        RunBranchFailure(tx, b, msg);
        TryComplete(tx);
    }

    // caller holds tx.Gate
    private void RunBranchFailure(Transaction tx, ClientBranch b, SipMessage? reply)
    {
        if (tx.OnBranchFailure is not string name) return;
        RunRoute(RouteTypes.Event, "tm:branch-failure:" + name, RequestContext(tx), tx, b.Index, reply, b.Status);
    }

    /// <summary>
    /// RFC 3261 §16.7 steps 6–8, once no branch is pending: the failure route runs (it may start new
    /// branches or reply), then the best final response goes upstream.
    /// </summary>
    // caller holds tx.Gate
    private void TryComplete(Transaction tx)
    {
        if (tx.Deleted || tx.UasStatus >= 200 || tx.HasPendingBranches()) return;
        int best = SelectBest(tx);
        var failedCtx = NotifyFailure(tx, best);
        if (tx.OnFailure is string failureRoute)
        {
            tx.OnFailure = null; // armed again only by t_on_failure inside the route
            var fctx = failedCtx ?? RequestContext(tx);
            var reply = best >= 0 ? tx.Branches[best].FinalReply : null;
            RunRoute(RouteTypes.Failure, failureRoute, fctx, tx, best, reply, best >= 0 ? tx.Branches[best].Status : 0);
            tx.SavedFlags = fctx.Flags; // flags set in failure_route stay with the transaction (acc's missed-call flag)
            if (tx.Deleted || tx.UasStatus >= 200 || tx.HasPendingBranches()) return;
            best = SelectBest(tx);
        }
        if (best < 0)
        {
            SendLocalReply(tx, RequestContext(tx), 500, "Server Internal Error"u8);
            return;
        }
        var w = tx.Branches[best];
        if (w.FinalReply is null)
        {
            if (w.Status == 408 && !tx.NoisyCtimer && tx.Method == SipMethod.Invite && tx.BranchCount == 1 && !w.EverReplied)
            {
                // noisy_ctimer 0: a lone INVITE branch that never answered times out silently
                SetWait(tx, Settings.WtTimer);
                return;
            }
            var reason = w.Status switch
            {
                408 => "Request Timeout"u8,
                487 => "Request Terminated"u8,
                503 or 500 => "Server Internal Error"u8,
                _ => "Server Internal Error"u8,
            };
            int status = w.Status == 503 ? 500 : w.Status;
            SendLocalReply(tx, RequestContext(tx), status, reason);
            return;
        }
        var ed = Editor(w.FinalReply);
        if (w.Status is 401 or 407) AggregateChallenges(tx, ed, w);
        RelayUpstream(tx, ed, w.FinalReply, w.Status);
    }

    /// <summary>RFC 3261 §16.7 step 6: a 6xx if any, else the lowest class; a faked reply loses to a
    /// real one of the same class. Only branches of the legs still considered (failure_reply_mode).</summary>
    // caller holds tx.Gate
    internal static int SelectBest(Transaction tx)
    {
        int best = -1, bestRank = int.MaxValue;
        for (int i = 0; i < tx.BranchCount; i++)
        {
            var b = tx.Branches[i];
            if (b.Leg < tx.SelectFromLeg || b.Status < 200) continue;
            int cls = b.Status / 100;
            int rank = cls >= 6 ? 0 : cls == 2 ? 1 : cls * 10 + (b.Faked ? 5 : 0);
            if (rank < bestRank)
            {
                best = i;
                bestRank = rank;
            }
        }
        return best;
    }

    // RFC 3261 §16.7 step 7: every challenge of every 401/407 goes into the reply sent up
    private static void AggregateChallenges(Transaction tx, MessageEditor ed, ClientBranch winner)
    {
        for (int i = 0; i < tx.BranchCount; i++)
        {
            var b = tx.Branches[i];
            if (b == winner || b.FinalReply is null || b.Leg < tx.SelectFromLeg || b.Status is not (401 or 407)) continue;
            var m = b.FinalReply;
            var s = m.Span;
            for (int h = 0; h < m.HeaderCount; h++)
            {
                ref readonly var e = ref m.Header(h);
                if (e.Id is HeaderId.WwwAuthenticate or HeaderId.ProxyAuthenticate) ed.AppendHeaderLine(s[e.LineStart..e.Value.End]);
            }
        }
    }

    // caller holds tx.Gate. RFC 3261 §16.7 step 9: our Via comes off, the rest goes to the upstream Via.
    private void RelayUpstream(Transaction tx, MessageEditor ed, SipMessage reply, int status)
    {
        StatelessForwarder.RemoveTopVia(ed, reply);
        if (status == 503 && Settings.Remap503To500)
        {
            // RFC 3261 §16.7 step 6: a 503 is not passed on as such (it would stop the upstream's retries)
            int codeAt = reply.ReasonRange.Start > 12 ? reply.ReasonRange.Start - 4 : 8;
            ed.Replace(codeAt, 3, "500"u8);
            if (reply.ReasonRange.Length > 0) ed.Replace(reply.ReasonRange.Start, reply.ReasonRange.Length, "Server Internal Error"u8);
            status = 500;
        }
        using var bytes = ed.Apply(ensureContentLength: tx.Local.Protocol.IsReliable());
        Interlocked.Increment(ref Stats.RplRelayed);
        Server.Stats.FwdReplies.Increment();
        bool first = tx.UasStatus < 200;
        SendUpstream(tx, bytes.Span, status, reply.To.Tag, relayed: true);
        if (first) NotifyRelayedReply(tx, reply, status);
    }
}

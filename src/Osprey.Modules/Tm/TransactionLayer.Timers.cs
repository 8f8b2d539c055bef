using Osprey.Core.Dns;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

public sealed partial class TransactionLayer
{
    // A deadline closer than this counts as due (the wheel's tick is 10 ms).
    private const long Slack = 20;

    // Timer A (INVITE) and E (non-INVITE): RFC 3261 §17.1.1.2, §17.1.2.2 — T1 doubling, capped at T2
    private void OnBranchRetransmit(object? state)
    {
        var b = (ClientBranch)state!;
        var tx = b.Transaction;
        lock (tx.Gate)
        {
            if (tx.Deleted || b.RetrIntervalMs == 0 || b.Status >= 200) return;
            if (tx.Method == SipMethod.Invite && b.Status > 0) return;
            Server.Sender.Send(b.Protocol, b.Destination, b.Request, b.Local);
            Interlocked.Increment(ref Stats.RetransmittedRequests);
            int next = b.Status >= 100 ? Settings.RetrTimer2 : Math.Min(b.RetrIntervalMs * 2, Settings.RetrTimer2);
            b.RetrIntervalMs = next;
            b.RetrTimer = Clock.Schedule(next, _onRetr, b);
        }
    }

    // Timer B / F (fr_timer, fr_inv_timer): the branch gets a local 408 (RFC 3261 §16.8)
    private void OnBranchTimeout(object? state)
    {
        var b = (ClientBranch)state!;
        var tx = b.Transaction;
        lock (tx.Gate)
        {
            if (tx.Deleted || !b.IsPending) return;
            long left = b.FrDeadline - Clock.NowMs;
            if (left > Slack)
            {
                // restarted since (fr_inv_timer), or the wheel ran ahead of our clock: wait for the rest
                b.FrTimer = Clock.Schedule(left, _onFr, b);
                return;
            }
            TimeOutBranch(tx, b);
            // RFC 3263 §4.3: a next hop that never answered is treated as unreachable (one that sent a
            // provisional reply is alive: its callee just did not answer)
            if (!b.EverReplied) FailOver(tx, b, TargetFailure.Timeout, -1);
            RunBranchFailure(tx, b, null);
            TryComplete(tx);
        }
    }

    // caller holds tx.Gate
    private void TimeOutBranch(Transaction tx, ClientBranch b)
    {
        Clock.Cancel(b.RetrTimer);
        Clock.Cancel(b.FrTimer);
        b.RetrIntervalMs = 0;
        // §16.8: a branch that had a provisional reply is cancelled
        if (tx.Method == SipMethod.Invite && b.Status >= 100 && b.Cancel == CancelState.None) SendCancel(b, null);
        b.Status = 408;
        b.Faked = true;
    }

    private void OnCancelRetransmit(object? state)
    {
        var b = (ClientBranch)state!;
        var tx = b.Transaction;
        lock (tx.Gate)
        {
            if (tx.Deleted || b.Cancel != CancelState.Sent || b.CancelRequest is null || Clock.NowMs >= b.CancelDeadline) return;
            Server.Sender.Send(b.Protocol, b.Destination, b.CancelRequest, b.Local);
            b.CancelIntervalMs = Math.Min(b.CancelIntervalMs * 2, Settings.RetrTimer2);
            b.CancelTimer = Clock.Schedule(b.CancelIntervalMs, _onCancelRetr, b);
        }
    }

    // Timer G: the negative final reply to an INVITE until its ACK (RFC 3261 §17.2.1)
    private void OnUasRetransmit(object? state)
    {
        var tx = (Transaction)state!;
        lock (tx.Gate)
        {
            if (tx.Deleted || tx.UasState != UasState.Completed || tx.LastReply is null || tx.ReplyDestination is null) return;
            Server.Sender.Send(tx.Local.Protocol, tx.ReplyDestination, tx.LastReply.AsSpan(0, tx.LastReplyLength), tx.Local, tx.ConnectionId);
            tx.UasRetrIntervalMs = Math.Min(tx.UasRetrIntervalMs * 2, Settings.RetrTimer2);
            tx.UasRetrTimer = Clock.Schedule(tx.UasRetrIntervalMs, _onUasRetr, tx);
        }
    }

    // wait timer (Timers D, H, I, J, K in one): the transaction leaves the table once no branch is pending
    private void OnWaitOver(object? state)
    {
        var tx = (Transaction)state!;
        lock (tx.Gate)
        {
            if (tx.Deleted) return;
            long left = tx.WaitDeadline - Clock.NowMs;
            if (left > Slack)
            {
                tx.WaitTimer = Clock.Schedule(left, _onWait, tx);
                return;
            }
            if (tx.HasPendingBranches())
            {
                SetWait(tx, Math.Max(Settings.RetrTimer1, 100));
                return;
            }
            Delete(tx, expired: true);
        }
    }

    // max_inv_lifetime / max_noninv_lifetime: whatever is still pending times out now
    private void OnLifetimeOver(object? state)
    {
        var tx = (Transaction)state!;
        lock (tx.Gate)
        {
            if (tx.Deleted) return;
            if (tx.UasStatus < 200)
            {
                for (int i = 0; i < tx.BranchCount; i++)
                {
                    var b = tx.Branches[i];
                    if (b.IsPending) TimeOutBranch(tx, b);
                }
                tx.OnFailure = null; // no new serial legs past the lifetime
                TryComplete(tx);
                if (tx.UasStatus < 200) SendLocalReply(tx, RequestContext(tx), 408, "Request Timeout"u8);
            }
            if (tx.WaitTimer.IsEmpty) SetWait(tx, Settings.WtTimer);
        }
    }
}

using Osprey.Core.Pipeline;
using Osprey.Modules.Tm;
using Osprey.Sip.Message;

namespace Osprey.Modules.Acc;

public sealed partial class Acc
{
    /// <summary>tm, when loaded: acc accounts transactions through its callbacks (set by the module host).</summary>
    public TmModule? Tm { get; set; }

    /// <summary>
    /// acc's tm callbacks, as the acc manual describes them:
    /// <list type="bullet">
    /// <item>a reply goes upstream: the first final reply is accounted by <see cref="AccountTransaction"/>
    /// (log_flag for 2xx, failed_transaction_flag for failures, log_missed_flag for a failed INVITE whose
    /// flag is still set); with <c>early_media</c> a provisional reply with a body is accounted too;</item>
    /// <item>every branch failed (before failure_route): a missed call is logged when log_missed_flag is set,
    /// and the flag is reset, so serial forking logs one line per attempt only when failure_route sets it again;</item>
    /// <item>the ACK of a 2xx (<c>report_ack</c>): logged when the INVITE transaction has log_flag, with the 2xx's code and reason.</item>
    /// </list>
    /// </summary>
    private sealed class TmHooks(Acc acc) : ITransactionObserver
    {
        public void ResponseOut(Transaction tx, MessageContext requestCtx, in TmReplyInfo reply)
        {
            if (reply.Status < 200)
            {
                if (acc.EarlyMedia == 0 || reply.Status == 100 || !reply.HasBody || !IsSet(requestCtx, acc.LogFlag)) return;
                if (requestCtx.Message.Method == SipMethod.Cancel && acc.ReportCancels == 0) return;
                acc.Write(AccEvent.Answered, requestCtx, Code(reply.Status), reply.Reason, reply.ToTag);
                return;
            }
            acc.AccountTransaction(requestCtx, reply.Status, reply.Reason, reply.ToTag, reply.Local);
        }

        public void OnFailure(Transaction tx, MessageContext requestCtx, in TmReplyInfo reply)
        {
            var m = requestCtx.Message;
            if (m.Method != SipMethod.Invite || !IsSet(requestCtx, acc.LogMissedFlag)) return;
            string reason = reply.Local ? ReasonPhrases.For(reply.Status) : reply.Reason;
            var toTag = reply.Local || reply.ToTag.Length == 0 ? m.To.Tag : reply.ToTag;
            acc.Write(AccEvent.Missed, requestCtx, Code(reply.Status), reason, toTag);
            requestCtx.Flags &= ~(1UL << acc.LogMissedFlag); // reset after the branch completed (acc manual, log_missed_flag)
        }

        // Kamailio 5.6 (observed) decides by the INVITE transaction's flags — an unflagged ACK of an
        // accounted call is logged — and logs the code and reason of the 2xx it acknowledges.
        public void E2eAck(Transaction invite, MessageContext ackCtx)
        {
            if (acc.ReportAck == 0 || !FlagSet(TransactionLayer.FlagsOf(invite), acc.LogFlag)) return;
            var (status, reason) = TransactionLayer.FinalReply(invite);
            acc.Write(AccEvent.Acknowledged, ackCtx, status > 0 ? Code(status) : "", reason, ackCtx.Message.To.Tag);
        }

        private static bool FlagSet(ulong flags, int flag) => (uint)flag <= 63 && (flags & (1UL << flag)) != 0;

        private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

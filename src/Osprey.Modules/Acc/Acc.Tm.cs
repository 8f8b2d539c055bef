using Osprey.Core.Pipeline;
using Osprey.Modules.Tm;
using Osprey.Sip.Message;

namespace Osprey.Modules.Acc;

public sealed partial class Acc
{
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
                acc.Write(AccEvent.Answered, requestCtx, Code(reply.Status), reply.Reason, reply.ToTag.Span);
                return;
            }
            acc.AccountTransaction(requestCtx, reply.Status, reply.Reason, reply.ToTag.Span, reply.Local);
        }

        public void OnFailure(Transaction tx, MessageContext requestCtx, in TmReplyInfo reply)
            => acc.AccountMissed(requestCtx, reply.Status, reply.Reason, reply.ToTag.Span, reply.Local);

        public void E2eAck(Transaction invite, MessageContext ackCtx)
        {
            if (acc.ReportAck == 0) return;
            var (status, reason) = TransactionLayer.FinalReply(invite);
            acc.AccountAck(ackCtx, TransactionLayer.FlagsOf(invite), status > 0 ? Code(status) : "", reason);
        }

        private static string Code(int status) => status.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

public sealed partial class TransactionLayer
{
    // caller holds tx.Gate. onsend_route for a relayed reply (onsend_route_reply=yes): run on the reply
    // as it goes out; a drop keeps it from the wire while the transaction moves on as if it was sent.
    private bool OnSendAllowsReply(Transaction tx, ReadOnlySpan<byte> reply)
    {
        if (Server.OnSend is not { RunsForReplies: true } || tx.ReplyDestination is null) return true;
        var copy = reply.ToArray();
        var msg = SipMessage.Parse(copy, Framing.Datagram, out _);
        if (msg is null) return true;
        var ctx = MessageContext.ForStoredMessage(Server, msg, tx.Source, tx.Local, tx.ConnectionId);
        ctx.Transaction = tx;
        return OnSendFrame.Allows(Server, ctx, new OutgoingSend(tx.Local.Protocol, tx.ReplyDestination, tx.Local, reply, true));
    }
}

namespace Osprey.Core.Pipeline;

/// <summary>
/// The transaction layer (tm) as the pipeline and other modules see it. The pipeline hands it every
/// reply after the core <c>reply_route</c>; stateless modules ask it to answer statefully when the
/// request has a transaction (<c>send_reply</c>).
/// </summary>
public interface ITransactionLayer
{
    /// <summary>A reply received from the network. True when it belonged to a client transaction
    /// (relayed or absorbed by tm); false sends it on to stateless forwarding.</summary>
    bool OnReply(MessageContext ctx);

    /// <summary>True when the context's request has a server transaction (created by t_newtran/t_relay).</summary>
    bool HasTransaction(MessageContext ctx);

    /// <summary>Sends a reply through the request's server transaction (<c>t_reply</c>). False when there
    /// is no transaction or the reply could not be sent.</summary>
    bool Reply(MessageContext ctx, int status, string reason);
}

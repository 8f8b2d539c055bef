using Osprey.Core.Pipeline;

namespace Osprey.Core.Routing;

/// <summary>
/// The routing logic the pipeline runs for each message: the compiled kamailio.cfg routes, a C# script,
/// or the built-in default. Called on the receiving thread; must not block.
/// </summary>
public interface IMessageRouter
{
    /// <summary>request_route: decide what happens to a request (reply, forward, drop).</summary>
    void OnRequest(MessageContext ctx);

    /// <summary>reply_route: a reply not absorbed by a transaction. Return false to drop it; true
    /// forwards it statelessly to the next Via.</summary>
    bool OnReply(MessageContext ctx);
}

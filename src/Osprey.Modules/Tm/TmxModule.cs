using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Tm;

/// <summary>The tmx module's basics: where the script is running, and the early retransmission check.</summary>
[Module("tmx")]
public sealed class TmxModule : ModuleBase
{
    private TransactionLayer? Layer => Server.TransactionLayer as TransactionLayer;

    /// <summary>t_precheck_trans(): true when the request is already being processed (a retransmission
    /// that arrived while the first copy is still in the request route, or later).</summary>
    [Function("t_precheck_trans", RouteTypes.Request)]
    public int TPrecheckTrans(MessageContext ctx)
    {
        var m = ctx.Message;
        if (Layer is not { } layer || !m.IsRequest || m.Method is Sip.Message.SipMethod.Ack or Sip.Message.SipMethod.Cancel) return -1;
        return layer.Lookup(m) is not null ? 1 : -1;
    }

    [Function("t_is_branch_route", RouteTypes.Any)]
    public int TIsBranchRoute(MessageContext ctx) => RouteFrame.Current.Type == RouteTypes.Branch ? 1 : -1;

    [Function("t_is_failure_route", RouteTypes.Any)]
    public int TIsFailureRoute(MessageContext ctx) => RouteFrame.Current.Type == RouteTypes.Failure ? 1 : -1;

    [Function("t_is_reply_route", RouteTypes.Any)]
    public int TIsReplyRoute(MessageContext ctx) => RouteFrame.Current.Type == RouteTypes.OnReply ? 1 : -1;
}

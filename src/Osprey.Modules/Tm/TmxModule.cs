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

    private TransactionLayer L => Layer ?? throw new InvalidOperationException("tmx needs tm");

    [Stat("UAS_transactions")] public long UasTransactions => Interlocked.Read(ref L.Stats.UasTransactions);
    [Stat("UAC_transactions")] public long UacTransactions => Interlocked.Read(ref L.Stats.UacTransactions);
    [Stat("active_transactions", NoReset = true)] public long ActiveTransactions => L.Count;
    [Stat("inuse_transactions", NoReset = true)] public long InuseTransactions => L.Count;
    [Stat("2xx_transactions")] public long Tx2xx => Interlocked.Read(ref L.Stats.Tx2xx);
    [Stat("3xx_transactions")] public long Tx3xx => Interlocked.Read(ref L.Stats.Tx3xx);
    [Stat("4xx_transactions")] public long Tx4xx => Interlocked.Read(ref L.Stats.Tx4xx);
    [Stat("5xx_transactions")] public long Tx5xx => Interlocked.Read(ref L.Stats.Tx5xx);
    [Stat("6xx_transactions")] public long Tx6xx => Interlocked.Read(ref L.Stats.Tx6xx);
}

using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Tm;

public sealed partial class TmModule
{
    /// <summary>
    /// <c>$T(name)</c> (tmx): attributes of the current transaction. <c>id_index</c>/<c>id_label</c> identify
    /// it (the <c>_n</c> forms create it first in the request route); <c>reply_code</c> is the status of the
    /// selected reply in failure_route, of the received reply in onreply_route, else of the last reply sent
    /// upstream; <c>reply_reason</c> its reason phrase; <c>reply_last</c> the last status the branch really
    /// received (a 180 before a local 408 timeout); <c>branch_index</c> the branch of the route;
    /// <c>reply_type</c> 1 when the reply was generated here, else 0. Null without a transaction.
    /// </summary>
    [PseudoVar("T")]
    public PvValue T(MessageContext ctx, string? inner)
    {
        var name = inner?.Trim();
        var tx = TransactionLayer.Current(ctx);
        if (tx is null && name is "id_index_n" or "id_label_n" && ctx.Message.IsRequest && RouteFrame.Current.Transaction is null)
        {
            if (Layer.NewTransaction(ctx, out var created) >= 0) tx = created;
        }
        if (tx is null) return PvValue.Null;
        ref readonly var f = ref RouteFrame.Current;
        lock (tx.Gate)
        {
            switch (name)
            {
                case "id_index" or "id_index_n":
                    return PvValue.FromInt(tx.Bucket);
                case "id_label" or "id_label_n":
                    return PvValue.FromInt(tx.Label);
                case "reply_code":
                    return PvValue.FromInt(TReplyCode(ctx, tx, f));
                case "reply_reason":
                    return TReplyReason(ctx, tx, f);
                case "reply_last":
                    {
                        var b = FrameBranch(tx, f);
                        return b is null ? PvValue.Null : PvValue.FromInt(b.LastReceived);
                    }
                case "branch_index":
                    return PvValue.FromInt(f.Transaction == tx && f.Branch >= 0 ? f.Branch : 0);
                case "ruid":
                    {
                        var b = FrameBranch(tx, f);
                        return b?.Ruid is { } ruid ? PvValue.FromString(ruid) : PvValue.Null;
                    }
                case "reply_type":
                    {
                        if (f.Type == RouteTypes.Failure && f.Transaction == tx) return PvValue.FromInt(f.Reply is null && f.ReplyCode > 0 ? 1 : 0);
                        return PvValue.FromInt(tx.UasStatus > 0 && tx.LocalReply && !ctx.Message.IsReply ? 1 : 0);
                    }
                default:
                    return PvValue.Null;
            }
        }
    }

    /// <summary><c>$T_reply_ruid</c> (tmx): the location record id (usrloc ruid) of the branch the route
    /// runs for — the failed branch in a branch-failure event, the selected one in failure_route.</summary>
    [PseudoVar("T_reply_ruid")]
    public PvValue TReplyRuid(MessageContext ctx, string? inner) => T(ctx, "ruid");

    private static ClientBranch? FrameBranch(Transaction tx, in RouteFrame f)
    {
        int i = f.Transaction == tx ? f.Branch : -1;
        if (i < 0 || i >= tx.BranchCount) i = tx.BranchCount - 1;
        return i >= 0 ? tx.Branches[i] : null;
    }

    private static int TReplyCode(MessageContext ctx, Transaction tx, in RouteFrame f)
    {
        if (f.Transaction == tx && f.ReplyCode > 0) return f.ReplyCode;
        if (ctx.Message.IsReply) return ctx.Message.StatusCode;
        return tx.UasStatus;
    }

    private static PvValue TReplyReason(MessageContext ctx, Transaction tx, in RouteFrame f)
    {
        if (f.Transaction == tx && f.Reply is { } r) return PvValue.FromString(System.Text.Encoding.UTF8.GetString(r.Reason));
        if (f.Transaction == tx && f.ReplyCode > 0) return PvValue.FromString(Acc.ReasonPhrases.For(f.ReplyCode));
        if (ctx.Message.IsReply) return PvValue.FromString(System.Text.Encoding.UTF8.GetString(ctx.Message.Reason));
        return tx.UasStatus > 0 ? PvValue.FromString(Acc.ReasonPhrases.For(tx.UasStatus)) : PvValue.Null;
    }
}

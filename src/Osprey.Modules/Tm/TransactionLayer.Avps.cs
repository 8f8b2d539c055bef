using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Tm;

/// <summary>The $avp and $xavp lists of a transaction (Kamailio keeps them in the transaction).</summary>
internal sealed class TransactionAvps
{
    public readonly AvpStore Avps = new();
    public readonly XavpStore Xavps = new();
}

public sealed partial class TransactionLayer
{
    /// <summary>
    /// A new transaction takes over the AVPs and XAVPs its request has so far; from then on the request
    /// route writes into the transaction's lists, and branch, reply and failure routes see the same lists.
    /// Runs right after creation, before <see cref="TransactionCreated"/> observers.
    /// </summary>
    private static void TakeOverAvps(Transaction tx, MessageContext ctx)
    {
        if (tx.ScriptState is not null) return;
        var own = tx.OwnAvps ??= new TransactionAvps(); // a reused transaction's lists were emptied
        ctx.Avps.CopyTo(own.Avps);
        ctx.Xavps.CopyTo(own.Xavps);
        tx.ScriptState = own;
        ctx.Avps = own.Avps;
        ctx.Xavps = own.Xavps;
    }

    // A context running for the transaction (failure, branch, reply routes; local replies) uses its lists.
    private static void UseTransactionAvps(Transaction tx, MessageContext ctx)
    {
        if (tx.ScriptState is not TransactionAvps own) return;
        ctx.Avps = own.Avps;
        ctx.Xavps = own.Xavps;
    }
}

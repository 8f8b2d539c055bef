using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

/// <summary>
/// What the request route asks of a transaction before it exists (<c>t_on_failure</c>, <c>t_set_fr</c>,
/// <c>t_load_contacts</c> before <c>t_relay</c>): kept per thread for the message being routed and
/// moved into the transaction when it is created.
/// </summary>
internal sealed class PendingBindings
{
    [ThreadStatic] private static PendingBindings? t_pending;

    private long _message; // the message's Serial
    public string? OnFailure, OnReply, OnBranch, OnBranchFailure;
    public int FrMs, FrInvMs;
    public List<Destination>? Contacts, ContactFlows;
    public int DropRepliesMode = -1;
    public int DisableFailover = -1;

    /// <summary>The bindings of the context's current message (a new message starts empty).</summary>
    public static PendingBindings For(MessageContext ctx)
    {
        var p = t_pending ??= new PendingBindings();
        if (p._message != ctx.Message.Serial)
        {
            p._message = ctx.Message.Serial;
            p.OnFailure = p.OnReply = p.OnBranch = p.OnBranchFailure = null;
            p.FrMs = p.FrInvMs = 0;
            p.Contacts = p.ContactFlows = null;
            p.DropRepliesMode = -1;
            p.DisableFailover = -1;
        }
        return p;
    }

    /// <summary>The bindings of this message if any were made, without starting new ones.</summary>
    public static PendingBindings? Peek(MessageContext ctx)
    {
        var p = t_pending;
        return p is not null && p._message == ctx.Message.Serial ? p : null;
    }

    public void MoveTo(Transaction tx)
    {
        tx.OnFailure ??= OnFailure;
        tx.OnReply ??= OnReply;
        tx.OnBranch ??= OnBranch;
        tx.OnBranchFailure ??= OnBranchFailure;
        if (FrMs > 0) tx.FrTimeoutMs = FrMs;
        if (FrInvMs > 0) tx.FrInvTimeoutMs = FrInvMs;
        if (Contacts is not null) tx.Contacts = Contacts;
        if (ContactFlows is not null) tx.ContactFlows = ContactFlows;
        if (DisableFailover >= 0) tx.DisableFailover = DisableFailover != 0;
        if (DropRepliesMode >= 0) tx.DropRepliesMode = DropRepliesMode;
        _message = 0;
    }
}

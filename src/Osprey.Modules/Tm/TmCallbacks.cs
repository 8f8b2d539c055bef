using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

/// <summary>What a reply that went upstream was, for <see cref="ITransactionObserver"/>s.</summary>
/// <param name="Status">Status code as sent (after 503→500).</param>
/// <param name="Reason">Reason phrase as sent.</param>
/// <param name="ToTag">To tag of the reply (ours for a local reply).</param>
/// <param name="Local">Generated here (<c>t_reply</c>, timeout, 487) rather than relayed.</param>
/// <param name="Reply">The relayed reply as received, or null for a local one.</param>
public readonly record struct TmReplyInfo(int Status, string Reason, ReadOnlyMemory<byte> ToTag, bool Local, SipMessage? Reply)
{
    /// <summary>True when the reply carries a message body (early media).</summary>
    public bool HasBody => Reply is { } r && r.Body.Length > 0;
}

/// <summary>
/// Other modules' hooks into transaction events (acc, later dialog), as Kamailio modules register tm
/// callbacks. Called on the thread that caused the event with the transaction's lock held: observers
/// must be quick and must not call back into tm for the same transaction.
/// </summary>
public interface ITransactionObserver
{
    /// <summary>A reply went upstream: every final reply, and provisional replies with their status
    /// (Kamailio's TMCB_RESPONSE_OUT). <paramref name="requestCtx"/> is the context of the transaction's
    /// request with the transaction's flags.</summary>
    void ResponseOut(Transaction tx, MessageContext requestCtx, in TmReplyInfo reply);

    /// <summary>Every branch of the transaction failed and the failure route (if any) is about to run
    /// (TMCB_ON_FAILURE); <paramref name="reply"/> is the best reply so far. The flags the observer
    /// changes on <paramref name="requestCtx"/> stay with the transaction.</summary>
    void OnFailure(Transaction tx, MessageContext requestCtx, in TmReplyInfo reply);

    /// <summary>The ACK of a 2xx this transaction relayed arrived (TMCB_E2EACK_IN).</summary>
    void E2eAck(Transaction invite, MessageContext ackCtx);
}

/// <summary>The observers registered with tm; registration happens at start-up (module Init).</summary>
public sealed class TmCallbacks
{
    private ITransactionObserver[] _observers = [];

    public void Add(ITransactionObserver observer)
    {
        lock (this) _observers = [.. _observers, observer];
    }

    public bool Any => _observers.Length > 0;

    internal void ResponseOut(Transaction tx, MessageContext ctx, in TmReplyInfo reply)
    {
        foreach (var o in _observers) o.ResponseOut(tx, ctx, reply);
    }

    internal void OnFailure(Transaction tx, MessageContext ctx, in TmReplyInfo reply)
    {
        foreach (var o in _observers) o.OnFailure(tx, ctx, reply);
    }

    internal void E2eAck(Transaction invite, MessageContext ackCtx)
    {
        foreach (var o in _observers) o.E2eAck(invite, ackCtx);
    }
}

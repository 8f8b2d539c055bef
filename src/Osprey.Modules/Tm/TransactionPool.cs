namespace Osprey.Modules.Tm;

/// <summary>
/// Transactions that ran out their wait timer, kept for new ones: at full load a proxy frees as many
/// transactions per second as it creates, and a transaction lives seconds, long enough for the GC to
/// copy it twice on its way to the old generation. Reusing the objects (with their branches, key array
/// and AVP lists) leaves the GC almost nothing to copy.
/// A transaction is handed out again only <see cref="GraceMs"/> after it was freed: whatever still held
/// it then (a timer callback that lost the race with the wait timer, a route that looked it up just
/// before) has long let go; each of them checks <see cref="Transaction.Deleted"/> under its lock.
/// </summary>
internal sealed class TransactionPool(int capacity)
{
    /// <summary>How long a freed transaction rests before it is reused.</summary>
    public const long GraceMs = 2000;

    private readonly Lock _gate = new();
    private readonly Transaction[] _ring = new Transaction[capacity];
    private int _head, _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a freed transaction (caller holds its lock; it must not be used again by anyone).
    /// Dropped to the GC when the pool is full.</summary>
    public void Retire(Transaction tx, long nowMs)
    {
        if (tx.LocalUac || tx.LocalFinal is not null) return; // an RPC caller may still wait on it
        tx.RetiredAt = nowMs;
        lock (_gate)
        {
            if (_count == _ring.Length) return;
            _ring[(_head + _count) % _ring.Length] = tx;
            _count++;
        }
    }

    /// <summary>Lets go of the transactions nobody took for <paramref name="idleMs"/> after their grace
    /// time (load went down): the GC gets them back. Returns how many were dropped.</summary>
    public int Trim(long nowMs, long idleMs)
    {
        int dropped = 0;
        lock (_gate)
        {
            while (_count > 0 && nowMs - _ring[_head].RetiredAt >= GraceMs + idleMs)
            {
                _ring[_head] = null!;
                _head = (_head + 1) % _ring.Length;
                _count--;
                dropped++;
            }
        }
        return dropped;
    }

    /// <summary>The oldest freed transaction once its grace time is over, reset as new; null otherwise.</summary>
    public Transaction? Rent(long nowMs)
    {
        Transaction tx;
        lock (_gate)
        {
            if (_count == 0) return null;
            tx = _ring[_head];
            if (nowMs - tx.RetiredAt < GraceMs) return null;
            _ring[_head] = null!;
            _head = (_head + 1) % _ring.Length;
            _count--;
        }
        tx.ResetForReuse();
        return tx;
    }
}

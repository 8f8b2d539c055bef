using System.Numerics;
using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Modules.Tm;

/// <summary>What a request lookup is for (RFC 3261 §17.2.3 treats ACK and CANCEL apart).</summary>
internal enum LookupKind : byte
{
    /// <summary>A retransmission of the same request (same method).</summary>
    Same,

    /// <summary>An ACK: matches the INVITE transaction it acknowledges.</summary>
    AckToInvite,

    /// <summary>A CANCEL: finds the INVITE transaction it cancels.</summary>
    InviteOfCancel,

    /// <summary>An INVITE: finds a CANCEL transaction that arrived before it.</summary>
    CancelOfInvite,
}

/// <summary>
/// The transaction table: buckets chosen by a hash of the matching key (the top Via branch for
/// RFC 3261 requests, Call-ID and CSeq number otherwise), each with its own lock. A transaction's
/// branch parameter names its bucket and label, so replies find it without hashing.
/// </summary>
internal sealed class TransactionTable
{
    // locked itself (private, so nobody else locks it): one object per bucket
    private sealed class BucketHead
    {
        public Transaction? Head;
        public uint NextLabel;
    }

    private readonly BucketHead[] _buckets;
    private readonly BucketHead[] _byCallId; // INVITE transactions by Call-ID, for end-to-end ACK matching
    private readonly int _mask;
    private int _count;

    public TransactionTable(int size)
    {
        int n = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(size, 16, 1 << 20));
        _buckets = new BucketHead[n];
        _byCallId = new BucketHead[n];
        for (int i = 0; i < n; i++)
        {
            _buckets[i] = new BucketHead();
            _byCallId[i] = new BucketHead();
        }
        _mask = n - 1;
    }

    public int Count => Volatile.Read(ref _count);

    public int BucketCount => _buckets.Length;

    /// <summary>Bucket of a request's key.</summary>
    public int BucketOf(SipMessage msg)
    {
        var hc = new HashCode();
        ref readonly var via = ref msg.TopVia;
        if (via.HasMagicCookie) hc.AddBytes(via.Branch);
        else
        {
            hc.AddBytes(msg.CallId);
            hc.Add(msg.CSeq.Number);
        }
        return hc.ToHashCode() & _mask;
    }

    /// <summary>Finds the transaction a request belongs to, or inserts <paramref name="create"/> (when
    /// given and nothing matched) atomically with the lookup, so two copies of one request racing on two
    /// threads make one transaction.</summary>
    public Transaction? FindOrInsert(SipMessage msg, LookupKind kind, Transaction? create, out bool inserted)
    {
        inserted = false;
        int bucket = BucketOf(msg);
        var head = _buckets[bucket];
        lock (head)
        {
            for (var t = head.Head; t is not null; t = t.NextInBucket)
            {
                if (Matches(t, msg, kind)) return t;
            }
            if (create is null) return null;
            create.Bucket = bucket;
            create.Label = ++head.NextLabel;
            create.NextInBucket = head.Head;
            create.InTable = true;
            head.Head = create;
            inserted = true;
        }
        if (create.Method == SipMethod.Invite)
        {
            var d = _byCallId[CallIdBucket(create.CallId.Span)];
            lock (d)
            {
                create.NextByCallId = d.Head;
                d.Head = create;
            }
        }
        Interlocked.Increment(ref _count);
        return create;
    }

    private int CallIdBucket(ReadOnlySpan<byte> callId)
    {
        var hc = new HashCode();
        hc.AddBytes(callId);
        return hc.ToHashCode() & _mask;
    }

    /// <summary>The INVITE transaction a 2xx's ACK belongs to (end to end, its own branch): same Call-ID,
    /// CSeq number and From tag, and the To-tag of the 2xx sent upstream. A hint, as in Kamailio: the
    /// transaction may be gone when the ACK is late.</summary>
    public Transaction? FindInviteOf2xxAck(SipMessage ack)
    {
        var d = _byCallId[CallIdBucket(ack.CallId)];
        lock (d)
        {
            for (var t = d.Head; t is not null; t = t.NextByCallId)
            {
                if (t.CSeqNumber == ack.CSeq.Number && Volatile.Read(ref t.UasStatus) is >= 200 and < 300 && ack.CallId.SequenceEqual(t.CallId.Span)
                    && ack.From.Tag.SequenceEqual(t.FromTag.Span) && ack.To.Tag.SequenceEqual(t.ReplyToTag.Span))
                {
                    return t;
                }
            }
        }
        return null;
    }

    /// <summary>A transaction by the bucket and label its branch parameter carries (replies).</summary>
    public Transaction? Find(int bucket, uint label)
    {
        if ((uint)bucket >= (uint)_buckets.Length) return null;
        var head = _buckets[bucket];
        lock (head)
        {
            for (var t = head.Head; t is not null; t = t.NextInBucket)
            {
                if (t.Label == label) return t;
            }
        }
        return null;
    }

    public bool Remove(Transaction tx)
    {
        var head = _buckets[tx.Bucket];
        lock (head)
        {
            if (!tx.InTable) return false;
            Transaction? prev = null;
            for (var t = head.Head; t is not null; prev = t, t = t.NextInBucket)
            {
                if (t != tx) continue;
                if (prev is null) head.Head = t.NextInBucket;
                else prev.NextInBucket = t.NextInBucket;
                tx.InTable = false;
                tx.NextInBucket = null;
                break;
            }
        }
        if (tx.Method == SipMethod.Invite)
        {
            var d = _byCallId[CallIdBucket(tx.CallId.Span)];
            lock (d)
            {
                Transaction? prev = null;
                for (var t = d.Head; t is not null; prev = t, t = t.NextByCallId)
                {
                    if (t != tx) continue;
                    if (prev is null) d.Head = t.NextByCallId;
                    else prev.NextByCallId = t.NextByCallId;
                    tx.NextByCallId = null;
                    break;
                }
            }
        }
        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>A snapshot of every transaction (RPC; not for the hot path).</summary>
    public List<Transaction> Snapshot()
    {
        var list = new List<Transaction>();
        foreach (var head in _buckets)
        {
            lock (head)
            {
                for (var t = head.Head; t is not null; t = t.NextInBucket) list.Add(t);
            }
        }
        return list;
    }

    // RFC 3261 §17.2.3, and §17.2.3's pointer to RFC 2543 matching for requests without the magic cookie.
    private static bool Matches(Transaction t, SipMessage msg, LookupKind kind)
    {
        var m = msg.Method;
        switch (kind)
        {
            case LookupKind.Same:
                if (t.Method != m || (m == SipMethod.Other && !msg.MethodText.SequenceEqual(t.MethodText.Span))) return false;
                break;
            case LookupKind.AckToInvite:
            case LookupKind.InviteOfCancel:
                if (t.Method != SipMethod.Invite) return false;
                break;
            case LookupKind.CancelOfInvite:
                if (t.Method != SipMethod.Cancel) return false;
                break;
        }
        ref readonly var via = ref msg.TopVia;
        if (via.HasMagicCookie)
        {
            return t.Rfc3261 && via.Branch.SequenceEqual(t.ViaBranch.Span) && via.Port == t.SentByPort
                && SipChars.EqualsIgnoreCase(via.Host, t.SentByHost.Span);
        }
        if (t.Rfc3261) return false;
        if (msg.CSeq.Number != t.CSeqNumber || !msg.CallId.SequenceEqual(t.CallId.Span) || !msg.From.Tag.SequenceEqual(t.FromTag.Span)) return false;
        if (kind == LookupKind.AckToInvite)
        {
            // the ACK of a negative reply carries the To-tag of that reply
            return msg.To.Tag.SequenceEqual(t.ReplyToTag.Span) && via.Range.Of(msg.Span).SequenceEqual(t.TopViaText.Span);
        }
        return msg.To.Tag.SequenceEqual(t.RequestToTag.Span) && msg.RequestUriText.SequenceEqual(t.RequestUriText.Span)
            && via.Range.Of(msg.Span).SequenceEqual(t.TopViaText.Span);
    }

    /// <summary>Puts a transaction made by this server (a local request) in a bucket of its own choosing;
    /// it is found only by the branch parameter of its replies.</summary>
    public void InsertLocal(Transaction tx, int bucket)
    {
        var head = _buckets[bucket & _mask];
        lock (head)
        {
            tx.Bucket = bucket & _mask;
            tx.Label = ++head.NextLabel;
            tx.NextInBucket = head.Head;
            tx.InTable = true;
            head.Head = tx;
        }
        Interlocked.Increment(ref _count);
    }
}

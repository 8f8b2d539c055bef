using System.Net;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary>
/// One client transaction of a proxy transaction (RFC 3261 §17.1, §16.6): the request as sent to one
/// target, its retransmission and final-response timers, the replies it received and its CANCEL.
/// Guarded by the owning <see cref="Transaction"/>'s lock.
/// </summary>
internal sealed class ClientBranch
{
    public ClientBranch(Transaction tx, int index) { Transaction = tx; Index = index; }

    public Transaction Transaction { get; }
    public int Index { get; }

    /// <summary>Serial forking leg this branch belongs to (failure_reply_mode).</summary>
    public int Leg;

    private string? _uri;

    /// <summary>The Request-URI the branch was sent to: the one set for it, or that of the sent request
    /// (<see cref="Sent"/>) on first use.</summary>
    public string Uri
    {
        get => _uri ??= System.Text.Encoding.UTF8.GetString(Sent.RequestUriText);
        set => _uri = value;
    }
    public string? DestinationUri;

    /// <summary>The location record (usrloc ruid) and +sip.instance of the contact the branch goes to, when
    /// registrar lookup found it: <c>$T_reply_ruid</c>, <c>t_next_contact_flow()</c>.</summary>
    public string? Ruid, Instance;

    /// <summary>The request exactly as sent (retransmitted as is): a pooled buffer, returned when the
    /// transaction is freed.</summary>
    public ReadOnlySpan<byte> Request => RequestBuffer.AsSpan(0, RequestLength);

    public ReadOnlyMemory<byte> RequestMemory => RequestBuffer.AsMemory(0, RequestLength);

    internal byte[] RequestBuffer = [];
    internal int RequestLength;
    private SipMessage? _sent;

    /// <summary>The request as sent, parsed on first use (only ACK, CANCEL and DNS failover need it).</summary>
    public SipMessage Sent
    {
        get => _sent ??= SipMessage.Parse(RequestMemory, Framing.Datagram, out _)!;
        set => _sent = value;
    }

    /// <summary>The remaining RFC 3263 targets of this branch's destination (<c>use_dns_failover</c>);
    /// null when the next hop was not a name with several targets to try.</summary>
    public Osprey.Core.Dns.SipTargetIterator? Targets;

    public SipProtocol Protocol;
    public IPEndPoint Destination = null!;
    public ListenEndpoint Local = null!;

    /// <summary>Highest status received (or faked); 0 none yet.</summary>
    public int Status;
    public bool Faked;
    public bool EverReplied;

    /// <summary>Status of the last reply received from the network (a faked 408 leaves it): $T(reply_last).</summary>
    public int LastReceived;

    /// <summary>The final reply kept for best-response selection (detached); null when faked.</summary>
    public SipMessage? FinalReply;

    public TmTimer RetrTimer;
    public int RetrIntervalMs;
    public TmTimer FrTimer;
    public long FrDeadline;

    /// <summary>ACK for a non-2xx final reply (RFC 3261 §17.1.1.3), resent for each retransmitted final.</summary>
    public byte[]? Ack;

    public CancelState Cancel;
    public byte[]? CancelRequest;
    public TmTimer CancelTimer;
    public int CancelIntervalMs;
    public long CancelDeadline;
    public string? CancelReason;

    public bool IsPending => Status < 200;

    /// <summary>Back to the state of a new branch, for a transaction taken from <see cref="TransactionPool"/>
    /// (its buffers went back when the transaction was freed). A test checks every field.</summary>
    internal void ResetForReuse()
    {
        Leg = 0;
        _uri = null;
        DestinationUri = null;
        Ruid = null;
        Instance = null;
        RequestBuffer = [];
        RequestLength = 0;
        _sent = null;
        Targets = null;
        Protocol = default;
        Destination = null!;
        Local = null!;
        Status = 0;
        Faked = false;
        EverReplied = false;
        LastReceived = 0;
        FinalReply = null;
        RetrTimer = default;
        RetrIntervalMs = 0;
        FrTimer = default;
        FrDeadline = 0;
        Ack = null;
        Cancel = default;
        CancelRequest = null;
        CancelTimer = default;
        CancelIntervalMs = 0;
        CancelDeadline = 0;
        CancelReason = null;
    }

    /// <summary>Keeps <paramref name="bytes"/> as the request to send, in a pooled buffer.</summary>
    internal void SetRequest(ReadOnlySpan<byte> bytes)
    {
        if (RequestBuffer.Length > 0) TmBuffers.Return(RequestBuffer);
        _sent = null;
        RequestBuffer = TmBuffers.Rent(bytes.Length);
        bytes.CopyTo(RequestBuffer);
        RequestLength = bytes.Length;
    }

    /// <summary>Gives the pooled buffer back and drops every message this branch holds (the transaction is freed).</summary>
    internal void ReleaseBuffers()
    {
        if (RequestBuffer.Length > 0) TmBuffers.Return(RequestBuffer);
        RequestBuffer = [];
        RequestLength = 0;
        _sent = null;
        FinalReply = null;
        Ack = null;
        CancelRequest = null;
        Targets = null;
    }
}

internal enum CancelState : byte
{
    None,

    /// <summary>Wanted, but no provisional reply yet (cancel_b_method 1): sent when one arrives.</summary>
    Pending,
    Sent,
    Replied,
}

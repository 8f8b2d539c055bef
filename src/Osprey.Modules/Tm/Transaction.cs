using System.Net;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary>Server side of a transaction (RFC 3261 §17.2): where its replies stand.</summary>
internal enum UasState : byte
{
    /// <summary>No final reply sent yet (Trying/Proceeding).</summary>
    Proceeding,

    /// <summary>Negative final reply to an INVITE sent; retransmitted until the ACK (Timer G/H).</summary>
    Completed,

    /// <summary>ACK received for the negative reply (Timer I).</summary>
    Confirmed,

    /// <summary>2xx relayed to an INVITE, or final reply to a non-INVITE: lingering for retransmissions.</summary>
    Finished,
}

/// <summary>
/// A stateful proxy transaction: the server transaction of the received request and the client
/// transactions (<see cref="ClientBranch"/>) of its forwarded copies. Everything mutable is guarded
/// by <see cref="Gate"/>; the matching key is fixed at creation and read without it.
/// </summary>
public sealed class Transaction
{
    internal readonly object Gate = new();

    // ---- table placement (fixed) ----
    internal int Bucket;
    internal uint Label;
    internal Transaction? NextInBucket;
    internal Transaction? NextByCallId;
    internal bool InTable;

    // ---- matching key (RFC 3261 §17.2.3 and the RFC 2543 fallback; fixed) ----
    internal SipMethod Method;
    internal ReadOnlyMemory<byte> MethodText;
    internal bool Rfc3261;
    internal ReadOnlyMemory<byte> ViaBranch;
    internal ReadOnlyMemory<byte> SentByHost;
    internal int SentByPort;
    internal ReadOnlyMemory<byte> CallId;
    internal uint CSeqNumber;
    internal ReadOnlyMemory<byte> FromTag;
    internal ReadOnlyMemory<byte> RequestToTag;
    internal ReadOnlyMemory<byte> RequestUriText;
    internal ReadOnlyMemory<byte> TopViaText;

    // ---- the received request ----
    private SipMessage? _request, _baseRequest;

    /// <summary>The bytes of the received request (its detached copy).</summary>
    internal ReadOnlyMemory<byte> RequestBytes;

    /// <summary>The pooled buffer behind <see cref="RequestBytes"/> (<see cref="TmBuffers"/>); null when
    /// the request was detached into an array of its own.</summary>
    private byte[]? _requestBuffer;

    /// <summary>Takes the received request as the transaction's: its bytes are copied into a pooled
    /// buffer, given back when the transaction expires (<see cref="ReleaseBuffers"/>). The received
    /// message object itself stays the receive loop's (it parses the next message into it); the routes
    /// that run later, on other threads, get their own parse of these bytes (<see cref="Request"/>).</summary>
    internal void AdoptRequest(SipMessage msg)
    {
        int n = msg.Length;
        var buffer = TmBuffers.Rent(n);
        msg.Span[..n].CopyTo(buffer);
        _requestBuffer = buffer;
        _request = null;
        RequestBytes = buffer.AsMemory(0, n);
        RequestSerial = msg.Serial;
    }

    /// <summary><see cref="SipMessage.Serial"/> of the received request the transaction was created for:
    /// the request route's own message object counts as the transaction's request.</summary>
    internal long RequestSerial;

    /// <summary>The request as received, parsed from the transaction's copy of its bytes on first use.</summary>
    public SipMessage Request
    {
        get => _request ??= SipMessage.Parse(RequestBytes, Framing.Datagram, out _)!;
        internal set
        {
            _request = value;
            RequestBytes = value.Buffer[..value.Length];
        }
    }
    internal IPEndPoint Source = null!;
    internal ListenEndpoint Local = null!;
    internal long ConnectionId;
    internal IPEndPoint? ReplyDestination;

    /// <summary>The request after the request route's edits and Max-Forwards, without our Via:
    /// what each branch is built from, also in failure routes.</summary>
    internal SipMessage? BaseRequest
    {
        get => _baseRequest ??= BaseBuffer is null ? null : SipMessage.Parse(BaseBuffer.AsMemory(0, BaseLength), Framing.Datagram, out _);
        set => _baseRequest = value;
    }

    /// <summary>The pooled buffer behind <see cref="BaseRequest"/> (<see cref="BaseLength"/> bytes); null when
    /// it is the received request itself.</summary>
    internal byte[]? BaseBuffer;
    internal int BaseLength;

    /// <summary>Whether <paramref name="m"/> is this transaction's request object (received or edited).</summary>
    internal bool IsOwnRequest(SipMessage m) =>
        m.Serial == RequestSerial || ReferenceEquals(m, _request) || ReferenceEquals(m, _baseRequest);

    /// <summary>The final reply went upstream: the parsed requests are let go (their bytes stay and are
    /// parsed again if a late route asks), so a lingering transaction holds bytes, not message objects.</summary>
    internal void DropParsedRequests()
    {
        _request = null;
        _baseRequest = null;
        for (int i = 0; i < BranchCount; i++) Branches[i].FinalReply = null; // chosen and sent: not needed
    }
    internal string? SavedRequestUri;
    internal ulong SavedFlags;

    // ---- server side ----
    internal UasState UasState;
    internal int UasStatus;
    /// <summary>The last reply sent upstream (pooled; <see cref="LastReplyLength"/> bytes), resent for retransmitted requests.</summary>
    internal byte[]? LastReply;
    internal int LastReplyLength;
    internal ReadOnlyMemory<byte> ReplyToTag;
    internal TmTimer UasRetrTimer;
    internal int UasRetrIntervalMs;
    internal long UasRetrDeadline;
    internal TmTimer WaitTimer;
    internal long WaitDeadline;
    internal TmTimer LifetimeTimer;
    internal bool LocalReply;

    // ---- client side ----
    internal ClientBranch[] Branches = [];

    /// <summary>When it went into <see cref="TransactionPool"/> (ms on tm's clock), 0 while in use.</summary>
    internal long RetiredAt;

    /// <summary>The array behind the matching key's parts (kept for the next use when pooled), and how
    /// much of it they fill.</summary>
    internal byte[]? KeyBuffer;
    internal int KeyLength;

    /// <summary>The To tag of a relayed final reply, as <see cref="ReplyToTag"/>: after the key in
    /// <see cref="KeyBuffer"/> when it fits (our own 16-byte tag stays in bounds too, for a reader that
    /// sees half of the update), else in an array of its own.</summary>
    internal ReadOnlyMemory<byte> KeepReplyToTag(ReadOnlySpan<byte> tag)
    {
        var keys = KeyBuffer;
        if (keys is null || KeyLength + Math.Max(tag.Length, 16) > keys.Length) return tag.ToArray();
        tag.CopyTo(keys.AsSpan(KeyLength));
        return keys.AsMemory(KeyLength, tag.Length);
    }

    /// <summary>The $avp/$xavp lists, kept (emptied) for the next use when pooled.</summary>
    internal TransactionAvps? OwnAvps;
    internal int BranchCount;
    internal int Leg;
    internal int SelectFromLeg;
    internal int DropRepliesMode = -1;
    internal bool Canceled;
    internal bool Blocked6xx;
    internal string? CancelReasonHeader;
    internal bool Deleted;
    internal bool CreatedByRelay;

    /// <summary>A request this server sent itself (tm.t_uac_start): no server side, replies end here.</summary>
    internal bool LocalUac;

    /// <summary>Completed with the final reply of a local request whose sender waits for it (tm.t_uac_wait).</summary>
    internal TaskCompletionSource<LocalRequestResult>? LocalFinal;

    // ---- script bindings ----
    internal string? OnFailure;
    internal string? OnReply;
    internal string? OnBranch;
    internal string? OnBranchFailure;
    internal int FrTimeoutMs;
    internal int FrInvTimeoutMs;
    internal bool NoisyCtimer;

    /// <summary>Targets loaded by <c>t_load_contacts</c>, highest q first, consumed by <c>t_next_contacts</c>.</summary>
    internal List<Osprey.Core.Pipeline.Destination>? Contacts;

    /// <summary>Further flows of an instance <c>t_next_contacts</c> already forks to (RFC 5626: one flow per
    /// +sip.instance at a time), for <c>t_next_contact_flow</c> (Kamailio's contact_flows_avp).</summary>
    internal List<Osprey.Core.Pipeline.Destination>? ContactFlows;

    /// <summary><c>t_set_disable_failover(1)</c> or <c>t_relay_to</c> flag 0x04: no DNS failover for this transaction.</summary>
    internal bool DisableFailover;

    /// <summary>Script state that moves with the transaction ($avp/$xavp lists); the script runtime
    /// attaches it when the transaction is created and finds it again in failure and reply routes.</summary>
    public object? ScriptState { get; set; }

    /// <summary>The transaction's message flags (setflag): as at t_relay, and as the failure route or a
    /// local reply left them.</summary>
    public ulong Flags => SavedFlags;

    /// <summary>The method of the transaction's request.</summary>
    public SipMethod RequestMethod => Method;

    /// <summary>Status of the final reply sent upstream; 0 while none.</summary>
    public int FinalStatus => UasStatus >= 200 ? UasStatus : 0;

    public bool IsCanceled => Canceled;

    public bool IsInvite => Method == SipMethod.Invite;

    /// <summary>Call-ID as text (RPC, logs).</summary>
    public string CallIdString => System.Text.Encoding.UTF8.GetString(CallId.Span);

    internal bool HasPendingBranches()
    {
        for (int i = 0; i < BranchCount; i++)
        {
            if (Branches[i].IsPending) return true;
        }
        return false;
    }

    /// <summary>The transaction is freed: pooled buffers go back and no message, reply or script state
    /// outlives it (anything still pointing at this object keeps only the matching key).</summary>
    // caller holds Gate
    // expired: the transaction ran out its wait timer, so nothing still runs on its request (a route that
    // called t_release, or a relay that failed, goes on with the request: its buffer is left to the GC)
    internal void ReleaseBuffers(bool expired)
    {
        if (expired && _requestBuffer is not null)
        {
            TmBuffers.Return(_requestBuffer);
            RequestBytes = default;
            _request = null;
        }
        _requestBuffer = null;
        if (BaseBuffer is not null) TmBuffers.Return(BaseBuffer);
        BaseBuffer = null;
        BaseLength = 0;
        _baseRequest = null;
        if (LastReply is not null) TmBuffers.Return(LastReply);
        LastReply = null;
        LastReplyLength = 0;
        for (int i = 0; i < BranchCount; i++) Branches[i].ReleaseBuffers();
        Contacts = null;
        ContactFlows = null;
        ScriptState = null;
        CancelReasonHeader = null;
    }

    /// <summary>
    /// Makes a retired transaction as a new one is (<see cref="TransactionPool"/>): every field back to its
    /// initial value, except what is kept for reuse: the lock, the branch objects (each reset), the key
    /// array and the emptied AVP lists. A test checks every field against a new instance.
    /// </summary>
    internal void ResetForReuse()
    {
        Bucket = 0;
        Label = 0;
        NextInBucket = null;
        NextByCallId = null;
        InTable = false;
        Method = default;
        MethodText = default;
        Rfc3261 = false;
        ViaBranch = default;
        SentByHost = default;
        SentByPort = 0;
        CallId = default;
        CSeqNumber = 0;
        FromTag = default;
        RequestToTag = default;
        RequestUriText = default;
        TopViaText = default;
        _request = null;
        _baseRequest = null;
        RequestBytes = default;
        _requestBuffer = null;
        RequestSerial = 0;
        Source = null!;
        Local = null!;
        ConnectionId = 0;
        ReplyDestination = null;
        BaseBuffer = null;
        BaseLength = 0;
        SavedRequestUri = null;
        SavedFlags = 0;
        UasState = default;
        UasStatus = 0;
        LastReply = null;
        LastReplyLength = 0;
        ReplyToTag = default;
        UasRetrTimer = default;
        UasRetrIntervalMs = 0;
        UasRetrDeadline = 0;
        WaitTimer = default;
        WaitDeadline = 0;
        LifetimeTimer = default;
        LocalReply = false;
        for (int i = 0; i < Branches.Length; i++) Branches[i]?.ResetForReuse();
        BranchCount = 0;
        Leg = 0;
        SelectFromLeg = 0;
        DropRepliesMode = -1;
        Canceled = false;
        Blocked6xx = false;
        CancelReasonHeader = null;
        Deleted = false;
        CreatedByRelay = false;
        LocalUac = false;
        LocalFinal = null;
        OnFailure = null;
        OnReply = null;
        OnBranch = null;
        OnBranchFailure = null;
        FrTimeoutMs = 0;
        FrInvTimeoutMs = 0;
        NoisyCtimer = false;
        Contacts = null;
        ContactFlows = null;
        DisableFailover = false;
        ScriptState = null;
        RetiredAt = 0;
        KeyLength = 0;
        if (OwnAvps is not null)
        {
            OwnAvps.Avps.Clear();
            OwnAvps.Xavps.Clear();
        }
    }

    internal ClientBranch AddBranch()
    {
        if (BranchCount == Branches.Length) Array.Resize(ref Branches, Math.Max(4, Branches.Length * 2));
        // a reused transaction keeps its branch objects (reset when it was retired)
        var b = Branches[BranchCount] ??= new ClientBranch(this, BranchCount);
        b.Leg = Leg;
        BranchCount++;
        return b;
    }
}

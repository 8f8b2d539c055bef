using System.Text;

namespace Osprey.Modules.Usrloc;

/// <summary>Where a binding stands with respect to the database (write-back bookkeeping).</summary>
internal enum DbSyncState : byte
{
    Clean,
    New,
    Dirty,
}

/// <summary>
/// One binding of an address-of-record to a contact address (RFC 3261 §10; Kamailio's ucontact), with
/// what re-registrations are checked against (Call-ID, CSeq) and what routing needs later (received,
/// Path, socket, flow: instance and reg-id). Mutated only under the lock of its record's bucket.
/// </summary>
public sealed class ContactBinding
{
    /// <summary>The contact URI as registered (without header parameters).</summary>
    public required string Contact { get; set; }

    /// <summary>Absolute expiry, Unix seconds; 0 means permanent (added by RPC or provisioning).</summary>
    public long Expires { get; set; }

    /// <summary>q-value times 1000 (0..1000), or -1 when the contact had none (Kamailio's Q_UNSPECIFIED).</summary>
    public int Q { get; set; } = -1;

    /// <summary>The Call-ID of the REGISTER that last changed this binding. Kept as bytes that a refresh
    /// overwrites in place (UAs and SIPp often send a new Call-ID with each refresh): a string per
    /// REGISTER would be a new object hanging off a long-lived binding, promoted by every GC.</summary>
    public string CallId
    {
        get => _callIdText ??= Encoding.UTF8.GetString(_callId, 0, _callIdLength);
        set
        {
            SetCallId(Encoding.UTF8.GetBytes(value));
            _callIdText = value;
        }
    }

    private byte[] _callId = [];
    private int _callIdLength;
    private string? _callIdText = "";

    public ReadOnlySpan<byte> CallIdBytes => _callId.AsSpan(0, _callIdLength);

    public bool CallIdIs(ReadOnlySpan<byte> callId) => CallIdBytes.SequenceEqual(callId);

    /// <summary>Sets the Call-ID, in the bytes already held when they are long enough.</summary>
    public void SetCallId(ReadOnlySpan<byte> callId)
    {
        if (CallIdIs(callId)) return;
        if (_callId.Length < callId.Length) _callId = new byte[(callId.Length + 15) & ~15];
        callId.CopyTo(_callId);
        _callIdLength = callId.Length;
        _callIdText = null;
    }
    public int CSeq { get; set; }

    /// <summary>usrloc flags (FL_*).</summary>
    public uint Flags { get; set; }

    /// <summary>Branch flags saved with the contact (the NAT flag among them, see nat_bflag).</summary>
    public uint CFlags { get; set; }

    public string UserAgent { get; set; } = "";

    /// <summary>Where the REGISTER came from, as a SIP URI (sip:ip:port;transport=x), when NAT handling asked for it.</summary>
    public string? Received { get; set; }

    /// <summary>The Path header values of the REGISTER (RFC 3327), comma-joined.</summary>
    public string? Path { get; set; }

    /// <summary>The local socket the REGISTER came in on: proto:ip:port.</summary>
    public string? Socket { get; set; }

    /// <summary>Methods the UA accepts (bitmask), -1 when unknown.</summary>
    public int Methods { get; set; } = -1;

    /// <summary>+sip.instance (RFC 5626 §4.1, RFC 5627), with its angle brackets and quotes removed.</summary>
    public string? Instance { get; set; }

    /// <summary>reg-id (RFC 5626 §4.2); 0 when none.</summary>
    public int RegId { get; set; }

    public int ServerId { get; set; }
    public long ConnectionId { get; set; } = -1;
    public int KeepAlive { get; set; }

    /// <summary>Record unique id: names this binding across nodes and restarts.</summary>
    public required string Ruid { get; init; }

    /// <summary>Unix seconds of the last change.</summary>
    public long LastModified { get; set; }

    internal DbSyncState SyncState { get; set; }
    internal long Version { get; set; }

    /// <summary>Seconds left at <paramref name="now"/>; 0 or less when expired (permanent bindings never expire).</summary>
    public long SecondsLeft(long now) => Expires == 0 ? int.MaxValue : Expires - now;

    public bool IsExpired(long now) => Expires != 0 && Expires <= now;

    /// <summary>A copy, for reading outside the bucket lock (RPC, $ulc, the 200 reply).</summary>
    public ContactBinding Clone()
    {
        var c = (ContactBinding)MemberwiseClone();
        c._callId = CallIdBytes.ToArray(); // the original's bytes change in place on its next refresh
        return c;
    }
}

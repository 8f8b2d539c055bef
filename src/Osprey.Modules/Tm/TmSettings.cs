namespace Osprey.Modules.Tm;

/// <summary>tm's parameters (modparam("tm", ...)); times in milliseconds as in Kamailio.</summary>
public sealed class TmSettings
{
    /// <summary>fr_timer: no final reply (or no ACK to a negative INVITE reply) within this → timeout (Timer B/F).</summary>
    public int FrTimer { get; set; } = 30000;

    /// <summary>fr_inv_timer: an INVITE branch that got a provisional reply waits this long for a final one.</summary>
    public int FrInvTimer { get; set; } = 120000;

    public int MaxInvLifetime { get; set; } = 180000;
    public int MaxNonInvLifetime { get; set; } = 32000;

    /// <summary>wt_timer: how long a finished transaction lingers to absorb retransmissions after its final
    /// reply (non-INVITE, INVITE answered 2xx) or the ACK of a negative one — as in Kamailio, this stands
    /// in for RFC 3261 Timers I, J and K and RFC 6026 Timer L (J and L are 64·T1 over UDP in the RFC).</summary>
    public int WtTimer { get; set; } = 5000;

    /// <summary>retr_timer1: T1 (RFC 3261 §17.1.1.1).</summary>
    public int RetrTimer1 { get; set; } = 500;

    /// <summary>retr_timer2: T2, the cap of retransmission intervals.</summary>
    public int RetrTimer2 { get; set; } = 4000;

    /// <summary>T4 (RFC 3261 §17.1.2.2): how long the network may keep a message. Not used for Timers I
    /// and K: <see cref="WtTimer"/> is, as in Kamailio.</summary>
    public int T4 { get; set; } = 5000;

    public int FailureReplyMode { get; set; } = 3;
    public bool RestartFrOnEachReply { get; set; } = true;
    public bool AutoInv100 { get; set; } = true;
    public string AutoInv100Reason
    {
        get;
        set
        {
            field = value;
            AutoInv100ReasonBytes = System.Text.Encoding.UTF8.GetBytes(value);
        }
    } = "Trying";

    /// <summary><see cref="AutoInv100Reason"/> as sent (encoded once, not per INVITE).</summary>
    internal byte[] AutoInv100ReasonBytes { get; private set; } = "Trying"u8.ToArray();
    public bool NoisyCtimer { get; set; } = true;

    /// <summary>0 stateful, 1 stateless, 2 drop: what happens to a CANCEL that matches no INVITE.</summary>
    public int UnmatchedCancel { get; set; }

    /// <summary>0 fake 487 on unreplied branches, 1 CANCEL once a provisional arrives, 2 CANCEL at once.</summary>
    public int CancelBMethod { get; set; } = 1;

    public bool E2eCancelReason { get; set; } = true;
    public bool LocalCancelReason { get; set; } = true;
    public bool Remap503To500 { get; set; } = true;

    /// <summary>hash_size: buckets of the transaction table (rounded to a power of two). 65,536 like
    /// Kamailio's fixed table: at thousands of calls a second tens of thousands of transactions linger for
    /// wt_timer, and short chains keep lookups and removals off cold memory.</summary>
    public int HashSize { get; set; } = 65536;

    /// <summary>blst_methods_add: methods (Kamailio's bit mask: INVITE 1, CANCEL 2, ACK 4, BYE 8, INFO 16,
    /// REGISTER 32, SUBSCRIBE 64, NOTIFY 128, MESSAGE 256, OPTIONS 512, PRACK 1024, UPDATE 2048, REFER 4096,
    /// PUBLISH 8192, others 524288) whose branch timeouts put the destination on the blocklist.</summary>
    public int BlstMethodsAdd { get; set; } = 1;

    /// <summary>blst_methods_lookup: methods (same bits) whose branches are not sent to a destination on the
    /// blocklist; default every method but BYE (4294967287), as in Kamailio.</summary>
    public long BlstMethodsLookup { get; set; } = 4294967287;

    /// <summary>Most branches one transaction may have (Kamailio's max_branches).</summary>
    public int MaxBranches { get; set; } = 12;
}

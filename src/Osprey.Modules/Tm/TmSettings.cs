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

    /// <summary>wt_timer: how long a finished transaction lingers to absorb retransmissions (Timers D, I, K;
    /// over UDP a finished non-INVITE, or an INVITE answered 2xx, stays at least 64·T1: Timers J and L).</summary>
    public int WtTimer { get; set; } = 5000;

    /// <summary>retr_timer1: T1 (RFC 3261 §17.1.1.1).</summary>
    public int RetrTimer1 { get; set; } = 500;

    /// <summary>retr_timer2: T2, the cap of retransmission intervals.</summary>
    public int RetrTimer2 { get; set; } = 4000;

    /// <summary>T4 (RFC 3261 §17.1.2.2): how long the network may keep a message. Timer I and K.</summary>
    public int T4 { get; set; } = 5000;

    public int FailureReplyMode { get; set; } = 3;
    public bool RestartFrOnEachReply { get; set; } = true;
    public bool AutoInv100 { get; set; } = true;
    public string AutoInv100Reason { get; set; } = "Trying";
    public bool NoisyCtimer { get; set; } = true;

    /// <summary>0 stateful, 1 stateless, 2 drop: what happens to a CANCEL that matches no INVITE.</summary>
    public int UnmatchedCancel { get; set; }

    /// <summary>0 fake 487 on unreplied branches, 1 CANCEL once a provisional arrives, 2 CANCEL at once.</summary>
    public int CancelBMethod { get; set; } = 1;

    public bool E2eCancelReason { get; set; } = true;
    public bool LocalCancelReason { get; set; } = true;
    public bool Remap503To500 { get; set; } = true;

    /// <summary>hash_size: buckets of the transaction table (rounded to a power of two).</summary>
    public int HashSize { get; set; } = 16384;

    /// <summary>Most branches one transaction may have (Kamailio's max_branches).</summary>
    public int MaxBranches { get; set; } = 12;
}

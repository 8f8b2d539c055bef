namespace Osprey.Modules.Tm;

/// <summary>tm and tmx counters (Kamailio's names in the comments), incremented with Interlocked.</summary>
internal sealed class TmStats
{
    public long UasTransactions;   // tmx UAS_transactions
    public long UacTransactions;   // tmx UAC_transactions (branches created)
    public long Created;           // tm.stats "created"
    public long Freed;             // tm.stats "freed"
    public long Tx2xx, Tx3xx, Tx4xx, Tx5xx, Tx6xx;
    public long RplReceived;       // tmx rpl_received: replies matched to a client transaction
    public long RplGenerated;      // tmx rpl_generated: replies of this server sent through a transaction
    public long RplRelayed;        // tmx rpl_relayed (rpl_sent = relayed + generated, rpl_absorbed = received - relayed)
    public long RetransmittedRequests;
    public long AbsorbedRequests;
    public long DnsFailovers;      // branches started by use_dns_failover

    public void CountFinal(int status)
    {
        switch (status / 100)
        {
            case 2: Interlocked.Increment(ref Tx2xx); break;
            case 3: Interlocked.Increment(ref Tx3xx); break;
            case 4: Interlocked.Increment(ref Tx4xx); break;
            case 5: Interlocked.Increment(ref Tx5xx); break;
            case 6: Interlocked.Increment(ref Tx6xx); break;
        }
    }
}

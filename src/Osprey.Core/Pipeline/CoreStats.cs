namespace Osprey.Core.Pipeline;

/// <summary>Kamailio's core counters (group "core"), incremented on the hot path with Interlocked.
/// Published to the statistics registry by <see cref="SipServer"/>.</summary>
public sealed class CoreStats
{
    public long RcvRequests;
    public long RcvReplies;
    public long FwdRequests;
    public long FwdReplies;
    public long DropRequests;
    public long DropReplies;
    public long ErrRequests;
    public long ErrReplies;
    public long BadUrisRcvd;
    public long BadMsgHdr;
    public long UnsupportedMethods;
    public long SentReplies;
}

using Osprey.Core.Dns;
using Osprey.Core.Stateless;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary>
/// DNS failover and the destination blocklist (RFC 3263 §4.3; Kamailio's <c>use_dns_failover</c>,
/// <c>use_dst_blocklist</c> and tm's <c>blst_*</c> parameters): a branch whose next hop answered 503, did
/// not answer at all before its final-response timer, or could not be sent to, is followed by a new
/// branch of the same transaction to the destination's next target (SRV priority and weight order, then
/// the next A/AAAA address). The new branch is the failed one's request with only the Via changed, as
/// Kamailio's default <c>reparse_on_dns_failover</c> builds it.
/// </summary>
public sealed partial class TransactionLayer
{
    // caller holds tx.Gate. blst_methods_lookup: only the methods it names skip blocklisted targets.
    private bool ResolveBranchHop(SipMessage msg, string? dst, string? uri, ListenEndpoint? socket, out NextHop hop, out SipTargetIterator? targets, out ForwardOutcome outcome)
        => Server.Forwarder.TryResolveNextHop(msg, dst, uri, socket, Server.Dns.Options.UseDnsFailover, out hop, out targets, out outcome,
            useBlocklist: (Settings.BlstMethodsLookup & Registrar.MethodSet.Bit(msg.Method)) != 0);

    /// <summary>
    /// A failed branch: puts its destination on the blocklist when the rules say so, then starts a branch
    /// to the next target when DNS failover applies. True when a new branch was sent.
    /// <paramref name="retryAfter"/> is the 503's Retry-After in seconds, negative for none.
    /// </summary>
    // caller holds tx.Gate
    private bool FailOver(Transaction tx, ClientBranch failed, TargetFailure why, int retryAfter)
    {
        var blocklist = Server.Dns.Blocklist;
        switch (why)
        {
            case TargetFailure.Reply503:
                blocklist.Add503(failed.Protocol, failed.Destination, retryAfter); // blst_503, Retry-After bounded
                break;
            case TargetFailure.Timeout when (Settings.BlstMethodsAdd & Registrar.MethodSet.Bit(tx.Method)) != 0:
                blocklist.Add(failed.Protocol, failed.Destination, BlocklistReason.Timeout);
                break;
        }
        var targets = failed.Targets;
        if (targets is null || !Server.Dns.Options.UseDnsFailover || tx.DisableFailover || tx.Deleted || tx.Canceled || tx.Blocked6xx || tx.UasStatus >= 200) return false;
        failed.Targets = null; // the walk moves on with the new branch
        Span<byte> id = stackalloc byte[64];
        while (tx.BranchCount < Settings.MaxBranches && targets.TryNext(out var next))
        {
            var local = failed.Local.Protocol == next.Protocol && failed.Local.Bind.AddressFamily == next.EndPoint.AddressFamily
                ? failed.Local
                : Server.ListenerFor(next.Protocol, next.EndPoint.AddressFamily);
            if (local is null) continue;
            var b = tx.AddBranch();
            b.Leg = failed.Leg;
            b.Targets = targets;
            int idLen = WriteBranchId(id, tx, b.Index);
            // the failed branch's request with a new top Via: our socket towards this target, this branch's id
            var sent = failed.Sent;
            var ed = Editor(sent);
            ed.RemoveHeader(sent.IndexOf(HeaderId.Via));
            StatelessForwarder.InsertVia(ed, local, id[..idLen]);
            using (var bytes = ed.Apply(ensureContentLength: next.Protocol.IsReliable()))
            {
                b.SetRequest(bytes.Span);
            }
            b.Uri = failed.Uri;
            b.DestinationUri = failed.DestinationUri;
            b.Protocol = next.Protocol;
            b.Destination = next.EndPoint;
            b.Local = local;
            Interlocked.Increment(ref Stats.DnsFailovers);
            if (SendBranch(tx, b)) return true;
            b.Targets = null;
        }
        return false;
    }

    /// <summary>Retry-After of a 503 in seconds (RFC 3261 §20.33: the leading delta-seconds), -1 when absent.</summary>
    private static int RetryAfterSeconds(SipMessage reply)
    {
        var v = reply.ValueOf(HeaderId.RetryAfter);
        int n = 0;
        while (n < v.Length && SipChars.IsDigit(v[n])) n++;
        return n > 0 && n <= 9 && System.Buffers.Text.Utf8Parser.TryParse(v[..n], out int seconds, out _) ? seconds : -1;
    }
}

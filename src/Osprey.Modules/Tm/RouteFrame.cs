using Osprey.Core.Modules;
using Osprey.Sip.Message;

namespace Osprey.Modules.Tm;

/// <summary>What tm knows about the route running on this thread: its type, the transaction, the
/// branch (branch_route, onreply_route, branch-failure) and the reply ($T_reply_code, $T_rpl).</summary>
internal struct RouteFrame
{
    public RouteTypes Type;
    public Transaction? Transaction;
    public int Branch;
    public SipMessage? Reply;
    public int ReplyCode;

    [ThreadStatic] private static RouteFrame t_current;

    public static ref RouteFrame Current => ref t_current;
}

using Osprey.Core.Modules;
using Osprey.Core.Rpc;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

public sealed partial class TmModule
{
    /// <summary>
    /// tm.t_uac_start method ruri nexthop socket headers [body]: sends a request from this server through a
    /// client transaction. "." stands for no next hop / no socket. Header lines are separated by CRLF or LF
    /// (the two-character escapes \r\n typed on a shell command line are understood too).
    /// </summary>
    [Rpc("tm.t_uac_start", "Send a SIP request from this server: method ruri nexthop socket headers [body]")]
    public void RpcUacStart(string method, string ruri, string nexthop, string socket, string headers, string? body = null) =>
        StartLocal(method, ruri, nexthop, socket, headers, body, null);

    /// <summary>
    /// tm.t_uac_wait: as tm.t_uac_start, and the final reply comes back to the caller: its status code,
    /// reason phrase, and header lines with the body as received (empty for a reply generated here, such
    /// as 408 when nothing answered before fr_timer). Kamailio answers asynchronously; here the RPC
    /// thread waits, at most the transaction's lifetime (max_inv_lifetime / max_noninv_lifetime).
    /// </summary>
    [Rpc("tm.t_uac_wait", "Send a SIP request from this server and return its final reply (code, reason, headers): method ruri nexthop socket headers [body]")]
    public void RpcUacWait(IRpcContext rpc, string method, string ruri, string nexthop, string socket, string headers, string? body = null) =>
        WaitLocal(rpc, method, ruri, nexthop, socket, headers, body, TimeSpan.FromMilliseconds(Math.Max(Settings.MaxInvLifetime, Settings.MaxNonInvLifetime) + 2000));

    /// <summary>tm.t_uac_wait_block: the same, waiting at most 80 seconds (Kamailio's limit); no final reply
    /// by then is fault 500.</summary>
    [Rpc("tm.t_uac_wait_block", "Send a SIP request from this server, block until its final reply (at most 80 s) and return code, reason, headers")]
    public void RpcUacWaitBlock(IRpcContext rpc, string method, string ruri, string nexthop, string socket, string headers, string? body = null) =>
        WaitLocal(rpc, method, ruri, nexthop, socket, headers, body, TimeSpan.FromSeconds(80));

    private void WaitLocal(IRpcContext rpc, string method, string ruri, string nexthop, string socket, string headers, string? body, TimeSpan limit)
    {
        var final = new TaskCompletionSource<LocalRequestResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        StartLocal(method, ruri, nexthop, socket, headers, body, final);
        if (!final.Task.Wait(limit)) throw new RpcFaultException(RpcErrorCodes.ServerError, "No final reply");
        var r = final.Task.Result;
        rpc.Add(r.Status);
        rpc.Add(r.Reason);
        rpc.Add(r.Headers);
    }

    private void StartLocal(string method, string ruri, string nexthop, string socket, string headers, string? body, TaskCompletionSource<LocalRequestResult>? final)
    {
        ListenEndpoint? sock = null;
        if (socket is not ("." or ""))
        {
            sock = FindSocket(socket) ?? throw new RpcFaultException(RpcErrorCodes.BadRequest, "Invalid send socket: " + socket);
        }
        var req = new LocalRequest(method.Trim(), ruri.Trim(), nexthop is "." or "" ? null : nexthop.Trim(), sock, Unescape(headers), body is null or "." ? null : Unescape(body));
        if (Layer.StartLocalRequest(req, final, out _) is { } error) throw new RpcFaultException(RpcErrorCodes.BadRequest, error);
    }

    private static string Unescape(string s) => s.Contains('\\', StringComparison.Ordinal) ? s.Replace("\\r\\n", "\n", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal) : s;

    // "udp:127.0.0.1:5060" (Kamailio's socket form) or a listener's name
    private ListenEndpoint? FindSocket(string spec)
    {
        foreach (var l in Server.Listeners)
        {
            if (string.Equals(l.Name, spec, StringComparison.Ordinal)) return l;
        }
        if (!ListenSpec.TryParse(spec, out var parsed, out _) || parsed.Count == 0) return null;
        var want = parsed[0];
        foreach (var l in Server.Listeners)
        {
            if (l.Protocol == want.Protocol && l.Bind.Port == want.Bind.Port && l.Bind.Address.Equals(want.Bind.Address)) return l;
        }
        return null;
    }
}

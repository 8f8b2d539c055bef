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
    public void RpcUacStart(string method, string ruri, string nexthop, string socket, string headers, string? body = null)
    {
        ListenEndpoint? sock = null;
        if (socket is not ("." or ""))
        {
            sock = FindSocket(socket) ?? throw new RpcFaultException(RpcErrorCodes.BadRequest, "Invalid send socket: " + socket);
        }
        var req = new LocalRequest(method.Trim(), ruri.Trim(), nexthop is "." or "" ? null : nexthop.Trim(), sock, Unescape(headers), body is null or "." ? null : Unescape(body));
        if (Layer.StartLocalRequest(req, out _) is { } error) throw new RpcFaultException(RpcErrorCodes.BadRequest, error);
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

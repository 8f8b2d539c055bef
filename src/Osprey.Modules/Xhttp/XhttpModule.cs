using System.Net;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Xhttp;

/// <summary>
/// The <c>xhttp</c> module. Kamailio serves HTTP on its SIP TCP port and routes it through
/// <c>event_route[xhttp:request]</c>; Osprey serves the control HTTP (JSON-RPC, /metrics) on its own
/// listener, bound to 127.0.0.1, so HTTP clients never share a socket with SIP traffic.
/// </summary>
[Module("xhttp")]
public sealed class XhttpModule : ModuleBase
{
    /// <summary>Port of the control HTTP listener (127.0.0.1).</summary>
    [ModParam("port")]
    public int Port { get; set; } = 5071;

    /// <summary>Path answering JSON-RPC (what Kamailio's configs route to <c>jsonrpc_dispatch()</c>).</summary>
    [ModParam("rpc_path")]
    public string RpcPath { get; set; } = "/RPC";

    /// <summary>Largest request body accepted, in bytes (Kamailio's buffer is similar in spirit).</summary>
    [ModParam("max_body_size")]
    public int MaxBodySize { get; set; } = 1024 * 1024;

    /// <summary>Address of the control HTTP listener. Anything but loopback needs <see cref="Allow"/>.</summary>
    [ModParam("address")]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Clients allowed on a non-loopback listener: addresses or networks (<c>10.0.0.0/8</c>), comma
    /// separated. Others get 403; loopback clients are always allowed.</summary>
    [ModParam("allow")]
    public string Allow { get; set; } = "";

    /// <summary>The parsed <see cref="Address"/> and <see cref="Allow"/> (after <see cref="Init"/>).</summary>
    public IPAddress ListenAddress { get; private set; } = IPAddress.Loopback;
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; private set; } = [];

    /// <summary>URLs matching this regular expression do not go through event_route[xhttp:request] (they are
    /// served as without the route: /RPC, /metrics, else 404). Checked before <see cref="UrlMatch"/>.</summary>
    [ModParam("url_skip")]
    public string UrlSkip { get; set; } = "";

    /// <summary>Only URLs matching this regular expression go through event_route[xhttp:request]; empty: all.</summary>
    [ModParam("url_match")]
    public string UrlMatch { get; set; } = "";

    /// <summary>Whether a URL goes through the event route (url_skip, then url_match).</summary>
    public bool RoutesUrl(string url) =>
        (_skip is null || !_skip.IsMatch(url)) && (_match is null || _match.IsMatch(url));

    private System.Text.RegularExpressions.Regex? _skip, _match;

    /// <summary><c>xhttp_reply(code, reason, ctype, body)</c>: answers the HTTP request of <c>event_route[xhttp:request]</c>; -1 outside it.</summary>
    [Function("xhttp_reply", RouteTypes.Event)]
    public int XhttpReply(MessageContext ctx, int code, string reason, string ctype, string body)
    {
        var x = XhttpExchange.Current;
        return x is not null && x.Reply(code, reason, ctype, Encoding.UTF8.GetBytes(body)) ? 1 : -1;
    }

    /// <summary><c>$hu</c>: the URL (path and query) of the HTTP request being routed.</summary>
    [PseudoVar("hu")]
    public PvValue Hu(MessageContext ctx, string? inner) =>
        XhttpExchange.Current is { } x ? PvValue.FromString(x.Url) : PvValue.Null;

    public override string? Init()
    {
        if (Port is < 0 or > 65535)
            return "xhttp: port must be between 0 and 65535, not " + Port;
        if (!RpcPath.StartsWith('/'))
            return "xhttp: rpc_path must start with '/'";
        if (MaxBodySize < 1024)
            return "xhttp: max_body_size must be at least 1024";
        if (!IPAddress.TryParse(Address, out var address))
            return "xhttp: address must be an IP address, not '" + Address + "'";
        ListenAddress = address;
        var allowed = new List<IPNetwork>();
        foreach (var part in Allow.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(part, out var net)) allowed.Add(net);
            else if (IPAddress.TryParse(part, out var one)) allowed.Add(new IPNetwork(one, one.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else return "xhttp: allow: '" + part + "' is not an address or network (10.0.0.0/8)";
        }
        AllowedNetworks = allowed;
        if (!IPAddress.IsLoopback(address) && allowed.Count == 0)
            return "xhttp: address " + Address + " opens RPC and metrics beyond this machine; list the clients allowed with modparam(\"xhttp\", \"allow\", \"10.0.0.0/8,192.0.2.7\")";
        try
        {
            _skip = UrlSkip.Length == 0 ? null : new System.Text.RegularExpressions.Regex(UrlSkip, System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            _match = UrlMatch.Length == 0 ? null : new System.Text.RegularExpressions.Regex(UrlMatch, System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            return "xhttp: url_skip/url_match is not a regular expression: " + ex.Message;
        }
        return null;
    }
}

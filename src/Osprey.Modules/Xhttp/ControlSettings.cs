using System.Net;
using Osprey.Core.Modules;
using Osprey.Modules.Ctl;
using Osprey.Modules.Jsonrpcs;
using Osprey.Modules.XhttpProm;

namespace Osprey.Modules.Xhttp;

/// <summary>
/// Where and how the control plane listens. Built from the modules' <c>modparam</c>s with
/// <see cref="FromModules"/> (only what the script loaded is served), or set directly (command line, tests).
/// Null or empty disables a transport.
/// </summary>
public sealed class ControlSettings
{
    /// <summary>Address of the HTTP listener (JSON-RPC, /metrics). Loopback unless an operator says otherwise.</summary>
    public IPAddress HttpAddress { get; set; } = IPAddress.Loopback;

    /// <summary>Clients allowed besides loopback (xhttp's <c>allow</c>); others are answered 403.</summary>
    public List<IPNetwork> HttpAllow { get; } = [];

    /// <summary>HTTP port; null disables HTTP; 0 picks a free port (see <see cref="ControlPlane.HttpEndPoint"/>).</summary>
    public int? HttpPort { get; set; }

    /// <summary>Path answering JSON-RPC POSTs; null serves no JSON-RPC over HTTP (metrics only).</summary>
    public string? RpcPath { get; set; } = "/RPC";

    /// <summary>Path answering Prometheus scrapes; null disables it.</summary>
    public string? MetricsPath { get; set; } = "/metrics";

    /// <summary>Largest HTTP request body; larger ones are refused with 413 before they are read.</summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>Indent JSON answers (jsonrpcs <c>pretty_format</c>).</summary>
    public bool PrettyFormat { get; set; } = true;

    /// <summary>jsonrpcs FIFO path (kamctl's <c>RPCFIFOPATH</c>); null disables it.</summary>
    public string? FifoName { get; set; }

    public string FifoReplyDir { get; set; } = "/tmp/";
    public UnixFileMode FifoMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>jsonrpcs Unix datagram socket; null disables it.</summary>
    public string? DgramSocket { get; set; }

    public UnixFileMode DgramMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>binrpc sockets for kamcmd (<c>unix:/path</c>, <c>tcp:host:port</c>, <c>udp:host:port</c>).</summary>
    public List<string> CtlSockets { get; } = [];

    public UnixFileMode CtlMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Runs <c>event_route[xhttp:request]</c>. When set, every HTTP request goes through the script (as in
    /// Kamailio: <c>jsonrpc_dispatch()</c>, <c>prom_dispatch()</c>, <c>xhttp_reply()</c>) instead of the fixed
    /// <see cref="RpcPath"/> and <see cref="MetricsPath"/>.
    /// </summary>
    public XhttpRouteRunner? XhttpRoute { get; set; }

    /// <summary>Which URLs go through <see cref="XhttpRoute"/> (xhttp's url_skip/url_match); null: all.</summary>
    public Func<string, bool>? XhttpRoutesUrl { get; set; }

    /// <summary>The xhttp_prom module instance (custom metrics, prefix, selection), when loaded.</summary>
    public XhttpPromModule? Prometheus { get; set; }

    /// <summary>
    /// Settings from the loaded modules: jsonrpcs (transport, pretty_format, fifo_name, dgram_socket,
    /// modes), ctl (binrpc, mode), xhttp (port), xhttp_prom. A module not loaded leaves its transport off.
    /// </summary>
    public static ControlSettings FromModules(IEnumerable<ModuleBase> modules)
    {
        var s = new ControlSettings();
        string? rpcPath = null;
        bool httpRpc = false;
        foreach (var m in modules)
        {
            switch (m)
            {
                case JsonrpcsModule j:
                    s.PrettyFormat = j.PrettyFormat != 0;
                    httpRpc = j.Has(JsonRpcTransports.Http);
                    if (j.Has(JsonRpcTransports.Fifo))
                    {
                        s.FifoName = j.FifoName;
                        s.FifoReplyDir = j.FifoReplyDir;
                        s.FifoMode = (UnixFileMode)Convert.ToInt32(j.FifoMode, 8);
                    }
                    if (j.Has(JsonRpcTransports.Datagram))
                    {
                        s.DgramSocket = j.DgramSocket;
                        s.DgramMode = (UnixFileMode)Convert.ToInt32(j.DgramMode, 8);
                    }
                    break;
                case CtlModule c:
                    s.CtlSockets.AddRange(c.Sockets);
                    s.CtlMode = c.FileMode;
                    break;
                case XhttpModule x:
                    s.HttpPort = x.Port;
                    s.HttpAddress = x.ListenAddress;
                    s.HttpAllow.AddRange(x.AllowedNetworks);
                    if (x.UrlSkip.Length > 0 || x.UrlMatch.Length > 0) s.XhttpRoutesUrl = x.RoutesUrl;
                    rpcPath = x.RpcPath;
                    s.MaxRequestBodySize = x.MaxBodySize;
                    break;
                case XhttpPromModule p:
                    s.Prometheus = p;
                    break;
            }
        }
        // As in Kamailio, JSON-RPC over HTTP needs jsonrpcs with its HTTP transport (bit 1) and xhttp.
        s.RpcPath = httpRpc ? rpcPath ?? "/RPC" : null;
        return s;
    }
}

using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Rpc;
using Osprey.Modules.Xhttp;

namespace Osprey.Modules.Jsonrpcs;

/// <summary>Transports of the <c>jsonrpcs</c> module's <c>transport</c> parameter (a bit mask; 0 is all).</summary>
[Flags]
public enum JsonRpcTransports
{
    All = 0,
    Http = 1,
    Fifo = 2,
    Datagram = 4,
}

/// <summary>
/// The <c>jsonrpcs</c> module: JSON-RPC 2.0 over HTTP (on the xhttp listener), a FIFO (what <c>kamctl</c>
/// uses) and a Unix datagram socket. Its parameters keep Kamailio's names and defaults.
/// </summary>
[Module("jsonrpcs")]
public sealed class JsonrpcsModule : ModuleBase
{
    /// <summary>Enabled transports: 1 HTTP, 2 FIFO, 4 datagram, or'ed; 0 enables all.</summary>
    [ModParam("transport")]
    public int Transport { get; set; } = 6;

    /// <summary>Indent replies (1) or not (0).</summary>
    [ModParam("pretty_format")]
    public int PrettyFormat { get; set; } = 1;

    [ModParam("fifo_name")]
    public string FifoName { get; set; } = "/run/kamailio/kamailio_rpc.fifo";

    /// <summary>Permissions of the FIFO, octal.</summary>
    [ModParam("fifo_mode")]
    public string FifoMode { get; set; } = "0660";

    /// <summary>Where reply FIFOs named by <c>reply_name</c> live.</summary>
    [ModParam("fifo_reply_dir")]
    public string FifoReplyDir { get; set; } = "/tmp/";

    [ModParam("dgram_socket")]
    public string DgramSocket { get; set; } = "/run/kamailio/kamailio_rpc.sock";

    [ModParam("dgram_mode")]
    public string DgramMode { get; set; } = "0660";

    /// <summary><c>jsonrpc_dispatch()</c> in <c>event_route[xhttp:request]</c>: runs the JSON-RPC request in the HTTP body and answers it; -1 outside an HTTP request.</summary>
    [Function("jsonrpc_dispatch", RouteTypes.Event)]
    public int JsonrpcDispatch(MessageContext ctx)
    {
        var x = XhttpExchange.Current;
        if (x is null)
            return -1;
        using var ms = new MemoryStream();
        if (!JsonRpcDispatcher.Handle(x.Registry, x.Body, ms, x.Pretty))
            return x.Reply(204, "No Content", "application/json", []) ? 1 : -1;
        return x.Reply(200, "OK", "application/json", ms.ToArray()) ? 1 : -1;
    }

    public bool Has(JsonRpcTransports t) => Transport == 0 || (Transport & (int)t) != 0;

    public override string? Init()
    {
        if (Transport is < 0 or > 7)
            return "jsonrpcs: transport must be between 0 and 7, not " + Transport;
        foreach (var m in new[] { FifoMode, DgramMode })
        {
            try
            {
                _ = Convert.ToInt32(m, 8);
            }
            catch (FormatException)
            {
                return "jsonrpcs: mode must be octal, e.g. 0660, not " + m;
            }
        }
        return null;
    }
}

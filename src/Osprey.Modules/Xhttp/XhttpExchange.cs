using System.Net;
using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Xhttp;

/// <summary>
/// One HTTP request handed to <c>event_route[xhttp:request]</c>, and the reply the route builds with
/// <c>xhttp_reply()</c>, <c>jsonrpc_dispatch()</c> or <c>prom_dispatch()</c>. The route runs synchronously
/// on the thread that handles the request; the module functions find the request through
/// <see cref="Current"/>, so they need nothing from the message context.
/// </summary>
public sealed class XhttpExchange
{
    [ThreadStatic] private static XhttpExchange? t_current;

    internal XhttpExchange(string method, string url, string version, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body, IPEndPoint? remote, SipServer server, RpcRegistry registry, bool pretty, Modules.XhttpProm.XhttpPromModule? prom)
    {
        Method = method;
        Url = url;
        Version = version;
        Headers = headers;
        Body = body;
        Remote = remote;
        Server = server;
        Registry = registry;
        Pretty = pretty;
        Prometheus = prom;
    }

    /// <summary>The exchange whose route is running on this thread, or null.</summary>
    public static XhttpExchange? Current => t_current;

    public string Method { get; }

    /// <summary>Path and query, as <c>$hu</c> gives it.</summary>
    public string Url { get; }
    public string Version { get; }
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }
    public byte[] Body { get; }
    public IPEndPoint? Remote { get; }
    public SipServer Server { get; }
    internal RpcRegistry Registry { get; }
    internal bool Pretty { get; }
    internal Modules.XhttpProm.XhttpPromModule? Prometheus { get; }

    /// <summary>
    /// The request as a message in the SIP grammar (start line, headers, body), which is how Kamailio hands
    /// an HTTP request to the script; the engine parses it into the route's message.
    /// </summary>
    public byte[] ToMessageBytes()
    {
        var sb = new StringBuilder();
        sb.Append(Method).Append(' ').Append(Url).Append(' ').Append(Version).Append("\r\n");
        foreach (var h in Headers)
            sb.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
        if (!Headers.Any(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            sb.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        sb.Append("\r\n");
        var head = Encoding.UTF8.GetBytes(sb.ToString());
        var all = new byte[head.Length + Body.Length];
        head.CopyTo(all, 0);
        Body.CopyTo(all, head.Length);
        return all;
    }

    /// <summary>Status set by the route; null when it sent no reply.</summary>
    public int? ReplyStatus { get; private set; }
    public string ReplyReason { get; private set; } = "";
    public string ReplyContentType { get; private set; } = "";
    public byte[] ReplyBody { get; private set; } = [];

    /// <summary>Sets the reply (the first one wins, as a second <c>xhttp_reply</c> cannot be sent).</summary>
    public bool Reply(int status, string reason, string contentType, byte[] body)
    {
        if (ReplyStatus is not null || status is < 100 or > 699)
            return false;
        ReplyStatus = status;
        ReplyReason = reason;
        ReplyContentType = contentType;
        ReplyBody = body;
        return true;
    }

    /// <summary>Runs <paramref name="route"/> with this exchange current on this thread.</summary>
    internal void Run(XhttpRouteRunner route)
    {
        var saved = t_current;
        t_current = this;
        try
        {
            route(this);
        }
        finally
        {
            t_current = saved;
        }
    }
}

/// <summary>
/// Runs <c>event_route[xhttp:request]</c> for an HTTP request: the engine builds the route's message from
/// <see cref="XhttpExchange.ToMessageBytes"/> and runs the route; the route answers through the module
/// functions. Given to <see cref="ControlSettings.XhttpRoute"/> when the script has that route.
/// </summary>
public delegate void XhttpRouteRunner(XhttpExchange exchange);

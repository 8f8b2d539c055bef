using System.Net;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Xhttp;
using Osprey.Script;
using Osprey.Sip.Message;

namespace Osprey.Server;

/// <summary>
/// Runs the script's <c>event_route[xhttp:request]</c> for an HTTP request on the control listener, as
/// Kamailio's xhttp does: the route sees the request as its message (method, headers, body; <c>$hu</c> is the
/// URL) and answers with <c>xhttp_reply</c>, <c>jsonrpc_dispatch</c> or <c>prom_dispatch</c>.
/// </summary>
internal static class XhttpScriptRoute
{
    public const string Name = "xhttp:request";

    public static XhttpRouteRunner? For(ScriptRouter router, SipServer server)
    {
        if (!router.Script.HasRoute(RouteTypes.Event, Name)) return null;
        return exchange => Run(router, server, exchange);
    }

    private static void Run(ScriptRouter router, SipServer server, XhttpExchange x)
    {
        var message = SipMessage.ParseAndValidate(AsSipMessage(x), Framing.Stream, out _);
        if (message is null || server.Listeners.Count == 0) return; // no reply: 404
        var source = x.Remote ?? new IPEndPoint(IPAddress.Loopback, 0);
        var ctx = MessageContext.ForStoredMessage(server, message, source, server.Listeners[0], 0);
        router.RunRoute(RouteTypes.Event, Name, ctx);
    }

    /// <summary>The HTTP request in SIP's clothes, so the SIP parser gives the route its headers and body:
    /// the method and headers are kept, the request line and the mandatory SIP headers are made up.</summary>
    private static byte[] AsSipMessage(XhttpExchange x)
    {
        var sb = new StringBuilder();
        string method = x.Method.Length > 0 && x.Method.All(char.IsAsciiLetterUpper) ? x.Method : "GET";
        sb.Append(method).Append(" sip:xhttp@127.0.0.1 SIP/2.0\r\n")
          .Append("Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKxhttp\r\n")
          .Append("From: <sip:xhttp@127.0.0.1>;tag=xhttp\r\nTo: <sip:xhttp@127.0.0.1>\r\n")
          .Append("Call-ID: xhttp-").Append(Environment.TickCount64).Append("\r\nCSeq: 1 ").Append(method).Append("\r\n");
        foreach (var (k, v) in x.Headers)
        {
            if (k.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || k.Equals("Via", StringComparison.OrdinalIgnoreCase)
                || k.Equals("From", StringComparison.OrdinalIgnoreCase) || k.Equals("To", StringComparison.OrdinalIgnoreCase)
                || k.Equals("Call-ID", StringComparison.OrdinalIgnoreCase) || k.Equals("CSeq", StringComparison.OrdinalIgnoreCase)) continue;
            sb.Append(k).Append(": ").Append(v).Append("\r\n");
        }
        sb.Append("Content-Length: ").Append(x.Body.Length).Append("\r\n\r\n");
        var head = Encoding.UTF8.GetBytes(sb.ToString());
        var all = new byte[head.Length + x.Body.Length];
        head.CopyTo(all, 0);
        x.Body.CopyTo(all, head.Length);
        return all;
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Osprey.Modules.Ctl;

/// <summary>
/// A control socket address as the ctl module's <c>binrpc</c> parameter (and <c>kamcmd -s</c>) write it:
/// <c>unix:/path</c> (stream; also <c>unixs:</c> or a bare path), <c>unixd:/path</c> (datagram),
/// <c>tcp:host:port</c>, <c>udp:host:port</c>.
/// </summary>
internal sealed record CtlEndpoint(ProtocolType Protocol, SocketType SocketType, EndPoint EndPoint, string Text)
{
    public bool IsUnix => EndPoint is UnixDomainSocketEndPoint;
    public bool IsDatagram => SocketType == SocketType.Dgram;

    public static bool TryParse(string text, out CtlEndpoint? endpoint, out string error)
    {
        endpoint = null;
        error = "";
        string s = text.Trim();
        string scheme = "unix";
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && !s.StartsWith('/'))
        {
            scheme = s[..colon].ToLowerInvariant();
            s = s[(colon + 1)..];
        }
        switch (scheme)
        {
            case "unix" or "unixs" or "unixd":
                if (s.Length == 0)
                {
                    error = "ctl socket " + text + ": empty path";
                    return false;
                }
                endpoint = new CtlEndpoint(ProtocolType.Unspecified, scheme == "unixd" ? SocketType.Dgram : SocketType.Stream, new UnixDomainSocketEndPoint(s), text);
                return true;
            case "tcp" or "udp":
            {
                int last = s.LastIndexOf(':');
                string host = last > 0 ? s[..last] : "127.0.0.1";
                string portText = last > 0 ? s[(last + 1)..] : s;
                if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
                {
                    error = "ctl socket " + text + ": bad port";
                    return false;
                }
                host = host.Trim('[', ']');
                IPAddress? ip;
                if (host is "" or "*") ip = IPAddress.Any;
                else if (host == "localhost") ip = IPAddress.Loopback;
                else if (!IPAddress.TryParse(host, out ip))
                {
                    error = "ctl socket " + text + ": address must be numeric";
                    return false;
                }
                bool tcp = scheme == "tcp";
                endpoint = new CtlEndpoint(tcp ? ProtocolType.Tcp : ProtocolType.Udp, tcp ? SocketType.Stream : SocketType.Dgram, new IPEndPoint(ip, port), text);
                return true;
            }
            default:
                error = "ctl socket " + text + ": unknown transport " + scheme + " (unix, unixd, tcp, udp)";
                return false;
        }
    }
}

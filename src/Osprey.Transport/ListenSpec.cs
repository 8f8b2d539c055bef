using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Osprey.Transport;

/// <summary>
/// Reads the value of Kamailio's <c>listen</c> parameter:
/// <c>[proto:]addr[:port] [advertise host[:port]] [name "x"] [virtual]</c>, possibly several
/// sockets on one line. Without a protocol the address is opened for both UDP and TCP. Errors
/// are returned as messages naming the offending part, never thrown.
/// </summary>
public static class ListenSpec
{
    private const int DefaultPort = 5060;
    private const int DefaultTlsPort = 5061;

    /// <summary>Parses one <c>listen=</c> value into listen endpoints.</summary>
    public static bool TryParse(string text, out List<ListenEndpoint> endpoints, out string? error)
    {
        endpoints = [];
        error = null;
        var tokens = Tokenize(text, out error);
        if (tokens is null)
            return false;
        if (tokens.Count == 0)
        {
            error = "listen: empty value";
            return false;
        }

        int i = 0;
        while (i < tokens.Count)
        {
            string socket = tokens[i++];
            if (IsKeyword(socket))
            {
                error = "listen: '" + socket + "' must follow an address";
                return false;
            }
            if (!TryParseSocket(socket, out var protocols, out var address, out int port, out error))
                return false;

            string? advertisedHost = null;
            int advertisedPort = 0;
            string? name = null;
            while (i < tokens.Count && IsKeyword(tokens[i]))
            {
                string keyword = tokens[i++];
                if (keyword.Equals("virtual", StringComparison.OrdinalIgnoreCase))
                    continue; // only affects "myself" checks, which are not the transport's business
                if (i >= tokens.Count)
                {
                    error = "listen: '" + keyword + "' needs a value";
                    return false;
                }
                string value = tokens[i++];
                if (keyword.Equals("name", StringComparison.OrdinalIgnoreCase))
                {
                    name = Unquote(value);
                }
                else if (!TryParseAdvertise(value, out advertisedHost, out advertisedPort, out error))
                {
                    return false;
                }
            }

            foreach (var p in protocols)
            {
                int bindPort = port >= 0 ? port : p == SipProtocol.Tls ? DefaultTlsPort : DefaultPort;
                endpoints.Add(new ListenEndpoint(p, new IPEndPoint(address!, bindPort), advertisedHost, advertisedPort, name));
            }
        }
        return true;
    }

    private static bool IsKeyword(string t) =>
        t.Equals("advertise", StringComparison.OrdinalIgnoreCase) ||
        t.Equals("name", StringComparison.OrdinalIgnoreCase) ||
        t.Equals("virtual", StringComparison.OrdinalIgnoreCase);

    private static string Unquote(string s) =>
        s.Length >= 2 && (s[0] == '"' || s[0] == '\'') && s[^1] == s[0] ? s[1..^1] : s;

    /// <summary>Splits on whitespace, keeping quoted strings whole. A value quoted as a whole is unwrapped first.</summary>
    private static List<string>? Tokenize(string text, out string? error)
    {
        error = null;
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"' && text.IndexOf('"', 1) == text.Length - 1)
            text = text[1..^1].Trim();

        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            int start = i;
            if (text[i] == '"' || text[i] == '\'')
            {
                int end = text.IndexOf(text[i], i + 1);
                if (end < 0)
                {
                    error = "listen: unterminated quoted string in '" + text + "'";
                    return null;
                }
                i = end + 1;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                    i++;
            }
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    /// <summary><c>[proto:]addr[:port]</c>; port is -1 when not given.</summary>
    private static bool TryParseSocket(string s, out SipProtocol[] protocols, out IPAddress? address, out int port, out string? error)
    {
        protocols = [SipProtocol.Udp, SipProtocol.Tcp];
        address = null;
        port = -1;
        error = null;
        string rest = s;

        int colon = s.IndexOf(':');
        if (colon > 0 && s[0] != '[' && SipProtocolExtensions.TryParse(s.AsSpan(0, colon), out var proto))
        {
            if (proto is SipProtocol.Ws or SipProtocol.Wss)
            {
                error = "listen '" + s + "': WebSocket listens on a tcp or tls socket, not on '" + proto.Name() + ":'";
                return false;
            }
            protocols = [proto];
            rest = s[(colon + 1)..];
        }

        if (rest.Length == 0)
        {
            error = "listen '" + s + "': missing address";
            return false;
        }
        if (rest[0] == '(')
        {
            error = "listen '" + s + "': address lists '(a, b)' are not supported; write one listen per address";
            return false;
        }

        string host;
        string? portText = null;
        if (rest[0] == '[')
        {
            int close = rest.IndexOf(']');
            if (close < 0)
            {
                error = "listen '" + s + "': missing ']' after the IPv6 address";
                return false;
            }
            host = rest[1..close];
            string after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = "listen '" + s + "': expected ':port' after ']'";
                    return false;
                }
                portText = after[1..];
            }
        }
        else if (rest.IndexOf(':') != rest.LastIndexOf(':'))
        {
            // Several colons without brackets: a bare IPv6 address, no port.
            host = rest;
        }
        else
        {
            int c = rest.IndexOf(':');
            host = c < 0 ? rest : rest[..c];
            portText = c < 0 ? null : rest[(c + 1)..];
        }

        if (!IPAddress.TryParse(host, out address) || (address.AddressFamily != AddressFamily.InterNetwork && address.AddressFamily != AddressFamily.InterNetworkV6))
        {
            address = null;
            error = "listen '" + s + "': '" + host + "' is not an IP address; interface and host names are not supported yet, give the address (e.g. udp:192.0.2.10:5060 or tcp:[2001:db8::1]:5060)";
            return false;
        }
        if (rest[0] != '[' && address.AddressFamily == AddressFamily.InterNetworkV6 && portText is not null)
        {
            error = "listen '" + s + "': put IPv6 addresses in brackets, e.g. [" + host + "]:" + portText;
            return false;
        }

        if (portText is not null && !TryParsePort(portText, out port))
        {
            error = "listen '" + s + "': '" + portText + "' is not a port (0-65535)";
            return false;
        }
        return true;
    }

    /// <summary><c>advertise host[:port]</c>: the host may be a name; IPv6 stays in brackets as it goes into Via.</summary>
    private static bool TryParseAdvertise(string value, out string? host, out int port, out string? error)
    {
        host = null;
        port = 0;
        error = null;
        string h = value;
        string? p = null;
        if (value.StartsWith('['))
        {
            int close = value.IndexOf(']');
            if (close < 0)
            {
                error = "listen: advertise '" + value + "': missing ']'";
                return false;
            }
            h = value[..(close + 1)];
            string after = value[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    error = "listen: advertise '" + value + "': expected ':port' after ']'";
                    return false;
                }
                p = after[1..];
            }
        }
        else
        {
            int c = value.IndexOf(':');
            if (c >= 0)
            {
                if (value.IndexOf(':', c + 1) >= 0)
                {
                    error = "listen: advertise '" + value + "': put IPv6 addresses in brackets";
                    return false;
                }
                h = value[..c];
                p = value[(c + 1)..];
            }
        }
        if (h.Length == 0 || h == "[]")
        {
            error = "listen: advertise '" + value + "': missing host";
            return false;
        }
        if (p is not null && (!TryParsePort(p, out port) || port == 0))
        {
            error = "listen: advertise '" + value + "': '" + p + "' is not a port (1-65535)";
            return false;
        }
        host = h;
        return true;
    }

    private static bool TryParsePort(string s, out int port) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
}

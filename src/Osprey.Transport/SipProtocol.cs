namespace Osprey.Transport;

/// <summary>The transport a SIP message travels on (RFC 3261 §18, RFC 7118 for WS).</summary>
public enum SipProtocol : byte
{
    Udp = 1,
    Tcp = 2,
    Tls = 3,
    Sctp = 4,
    Ws = 5,
    Wss = 6,
}

public static class SipProtocolExtensions
{
    /// <summary>Reliable transports get no retransmissions (RFC 3261 §17.1.1.2).</summary>
    public static bool IsReliable(this SipProtocol p) => p != SipProtocol.Udp;

    /// <summary>The token used in a Via header: UDP, TCP, TLS, SCTP, WS, WSS.</summary>
    public static string ViaToken(this SipProtocol p) => p switch
    {
        SipProtocol.Udp => "UDP",
        SipProtocol.Tcp => "TCP",
        SipProtocol.Tls => "TLS",
        SipProtocol.Sctp => "SCTP",
        SipProtocol.Ws => "WS",
        SipProtocol.Wss => "WSS",
        _ => "UDP",
    };

    /// <summary>Lower-case name as used in listen= and in URIs' transport parameter.</summary>
    public static string Name(this SipProtocol p) => p switch
    {
        SipProtocol.Udp => "udp",
        SipProtocol.Tcp => "tcp",
        SipProtocol.Tls => "tls",
        SipProtocol.Sctp => "sctp",
        SipProtocol.Ws => "ws",
        SipProtocol.Wss => "wss",
        _ => "udp",
    };

    /// <summary>Parses a transport token as it appears in a Via or a URI's transport parameter
    /// (case-insensitive bytes: "UDP", "tcp", ...).</summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out SipProtocol p)
    {
        p = default;
        if (s.Length is 0 or > 4) return false;
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < s.Length; i++) c[i] = (char)s[i];
        return TryParse(c[..s.Length], out p);
    }

    public static bool TryParse(ReadOnlySpan<char> s, out SipProtocol p)
    {
        if (s.Equals("udp", StringComparison.OrdinalIgnoreCase)) { p = SipProtocol.Udp; return true; }
        if (s.Equals("tcp", StringComparison.OrdinalIgnoreCase)) { p = SipProtocol.Tcp; return true; }
        if (s.Equals("tls", StringComparison.OrdinalIgnoreCase)) { p = SipProtocol.Tls; return true; }
        if (s.Equals("sctp", StringComparison.OrdinalIgnoreCase)) { p = SipProtocol.Sctp; return true; }
        if (s.Equals("ws", StringComparison.OrdinalIgnoreCase)) { p = SipProtocol.Ws; return true; }
        if (s.Equals("wss", StringComparison.OrdinalIgnoreCase)) { p = SipProtocol.Wss; return true; }
        p = default;
        return false;
    }
}

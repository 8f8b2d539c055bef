using System.Text;

namespace Osprey.Benchmarks;

/// <summary>Messages as a proxy sees them: what softphones and PBXs send, with their usual headers.</summary>
internal static class SampleMessages
{
    /// <summary>An INVITE on its second hop (~1 KB): two Vias, Record-Route, Route, tagged From, SDP offer.</summary>
    public static readonly byte[] Invite = Crlf("""
        INVITE sip:bob@biloxi.example.com SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport
        Via: SIP/2.0/UDP 192.0.2.10:5060;received=198.51.100.7;branch=z9hG4bKnashds8
        Record-Route: <sip:proxy.atlanta.example.com;lr;ftag=1928301774>
        Route: <sip:ss2.biloxi.example.com;lr>
        Max-Forwards: 69
        From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774
        To: "Bob" <sip:bob@biloxi.example.com>
        Call-ID: a84b4c76e66710@pc33.atlanta.example.com
        CSeq: 314159 INVITE
        Contact: <sip:alice@192.0.2.10:5060;transport=udp>
        Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE
        Supported: replaces, timer, 100rel
        User-Agent: Osprey-Bench/1.0 (Linux)
        Content-Type: application/sdp
        Content-Length: {0}

        v=0
        o=alice 2890844526 2890844526 IN IP4 192.0.2.10
        s=-
        c=IN IP4 192.0.2.10
        t=0 0
        m=audio 49170 RTP/AVP 0 8 101
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-16
        a=ptime:20
        a=sendrecv

        """);

    /// <summary>URIs of the kinds a proxy parses per message: R-URI, loose-routing Route, Contact, tel.</summary>
    public static readonly byte[][] Uris =
    [
        Encoding.ASCII.GetBytes("sip:bob@biloxi.example.com"),
        Encoding.ASCII.GetBytes("sip:proxy.atlanta.example.com;lr;ftag=1928301774"),
        Encoding.ASCII.GetBytes("sip:alice@192.0.2.10:5060;transport=udp"),
        Encoding.ASCII.GetBytes("sips:+12125551212@[2001:db8::10]:5061;user=phone"),
    ];

    // Raw string literals keep the source readable; the wire wants CRLF and a true Content-Length.
    private static byte[] Crlf(string template)
    {
        var text = template.Replace("\r\n", "\n").Replace("\n", "\r\n");
        int blank = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        int bodyLength = text.Length - (blank + 4);
        return Encoding.ASCII.GetBytes(text.Replace("{0}", bodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}

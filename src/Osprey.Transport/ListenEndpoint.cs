using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Transport;

/// <summary>
/// One local socket Osprey listens on (<c>listen=udp:1.2.3.4:5060 advertise 5.6.7.8:5060</c>).
/// The advertised address, when set, is what goes into Via, Record-Route and Contact.
/// </summary>
public sealed class ListenEndpoint
{
    public ListenEndpoint(SipProtocol protocol, IPEndPoint bind, string? advertisedHost = null, int advertisedPort = 0, string? name = null)
    {
        Protocol = protocol;
        Bind = bind;
        AdvertisedHost = advertisedHost;
        AdvertisedPort = advertisedPort;
        Name = name;
        Refresh();
    }

    public SipProtocol Protocol { get; }

    /// <summary>The bound address; the port is the real one once the socket is bound (port 0 is resolved).</summary>
    public IPEndPoint Bind { get; private set; }

    public string? AdvertisedHost { get; }
    public int AdvertisedPort { get; }

    /// <summary>Optional socket name (Kamailio's <c>name "..."</c> on listen).</summary>
    public string? Name { get; }

    /// <summary>Position in the server's listener list; set by the transport host.</summary>
    public int Index { get; internal set; }

    /// <summary>Host to advertise: the advertised name, else the bound IP (IPv6 in brackets).</summary>
    public string Host { get; private set; } = "";

    /// <summary>Port to advertise.</summary>
    public int Port { get; private set; }

    /// <summary>UTF-8 "host:port" for Via sent-by and Record-Route, computed once.</summary>
    public byte[] SentByUtf8 { get; private set; } = [];

    /// <summary>UTF-8 "SIP/2.0/UDP" (etc.), computed once.</summary>
    public byte[] ViaProtocolUtf8 { get; private set; } = [];

    /// <summary>Kamailio-style socket description, e.g. <c>udp:127.0.0.1:5060</c>.</summary>
    public override string ToString()
    {
        var addr = Bind.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + Bind.Address + "]" : Bind.Address.ToString();
        return Protocol.Name() + ":" + addr + ":" + Bind.Port;
    }

    /// <summary>Called by the transport once the socket is bound to learn the real port.</summary>
    public void SetBoundEndPoint(IPEndPoint bound)
    {
        Bind = bound;
        Refresh();
    }

    private void Refresh()
    {
        Host = AdvertisedHost ?? (Bind.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + Bind.Address + "]" : Bind.Address.ToString());
        Port = AdvertisedPort != 0 ? AdvertisedPort : Bind.Port;
        SentByUtf8 = Encoding.UTF8.GetBytes(Host + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ViaProtocolUtf8 = Encoding.ASCII.GetBytes("SIP/2.0/" + Protocol.ViaToken());
    }
}

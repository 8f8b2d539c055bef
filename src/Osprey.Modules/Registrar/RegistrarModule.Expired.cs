using System.Net;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Modules.Usrloc;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Registrar;

/// <summary>event_route[usrloc:contact-expired]: runs for every binding the usrloc timer drops, with
/// $ulc(exp=>attr) holding the expired contact (README.registrar §5.1).</summary>
public sealed partial class RegistrarModule
{
    internal const string ContactExpiredRoute = "usrloc:contact-expired";

    /// <summary>The $ulc profile the event route reads.</summary>
    private const string ExpiredProfile = "exp";

    // The route runs on a stand-in request, as Kamailio runs it on a faked message: nothing arrived.
    private static readonly byte[] s_expiredRequest = Encoding.ASCII.GetBytes(
        "OPTIONS sip:registrar.invalid SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKusrlocexpired\r\n" +
        "From: <sip:registrar.invalid>;tag=usrloc\r\nTo: <sip:registrar.invalid>\r\nCall-ID: usrloc-contact-expired\r\n" +
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");

    private static readonly IPEndPoint s_nowhere = new(IPAddress.Loopback, 9);

    private void HookContactExpired() => Ul.ContactExpired += OnContactExpired;

    private void OnContactExpired(LocationTable table, string aor, ContactBinding c)
    {
        if (Server?.Router is not IRouteRunner runner || !runner.HasRoute(RouteTypes.Event, ContactExpiredRoute)) return;
        var msg = SipMessage.Parse(s_expiredRequest, Framing.Datagram, out _);
        if (msg is null) return;
        var local = Server.Listeners.Count > 0 ? Server.Listeners[0] : new ListenEndpoint(SipProtocol.Udp, s_nowhere);
        var ctx = MessageContext.ForStoredMessage(Server, msg, s_nowhere, local, 0);
        var profiles = t_profiles ??= new Dictionary<string, AorSnapshot?>(StringComparer.Ordinal);
        profiles.TryGetValue(ExpiredProfile, out var saved);
        profiles[ExpiredProfile] = AorSnapshot.OfOne(table.Name, aor, c);
        try
        {
            runner.RunRoute(RouteTypes.Event, ContactExpiredRoute, ctx);
        }
        finally
        {
            profiles[ExpiredProfile] = saved;
        }
    }
}

using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Sip.Uri;

namespace Osprey.Core.Routing;

/// <summary>
/// The built-in routing used when no kamailio.cfg is given: OPTIONS to this server gets 200; a request
/// for another host is forwarded statelessly (to <see cref="NextHop"/> when set, else to its
/// Request-URI); any other request to this server gets 404. ACKs are forwarded or dropped, never answered.
/// </summary>
public sealed class DefaultRouter : IMessageRouter
{
    private static readonly byte[] OptionsHeaders =
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, MESSAGE, INFO, UPDATE, PRACK, REFER\r\nAccept: application/sdp\r\n"u8.ToArray();

    /// <summary>Optional next hop URI (e.g. <c>sip:10.0.0.2:5060</c>) for everything not addressed to us.</summary>
    public string? NextHop { get; init; }

    public void OnRequest(MessageContext ctx)
    {
        var msg = ctx.Message;
        var server = ctx.Server;
        ref readonly var ruri = ref msg.RequestUri;
        bool toMe = ruri.IsSipOrSips && server.Myself.IsMyself(ruri.Host, ruri.Port);
        if (toMe && !msg.Has(HeaderId.Route))
        {
            if (msg.Method == SipMethod.Ack) return;
            if (msg.Method == SipMethod.Options)
            {
                server.Replier.Reply(ctx, 200, "OK"u8, OptionsHeaders);
                return;
            }
            if (NextHop is null)
            {
                server.Replier.Reply(ctx, 404, "Not Found"u8);
                return;
            }
        }
        if (!ruri.IsSipOrSips && ruri.Scheme != UriScheme.Tel && NextHop is null)
        {
            server.Replier.Reply(ctx, 416, "Unsupported URI Scheme"u8);
            return;
        }
        if (NextHop is not null) ctx.DestinationUri = NextHop;
        if (!Stateless.StatelessForwarder.ProcessMaxForwards(ctx, server.Settings.DefaultMaxForwards))
        {
            if (msg.Method != SipMethod.Ack) server.Replier.Reply(ctx, 483, "Too Many Hops"u8);
            return;
        }
        var outcome = server.Forwarder.ForwardRequest(ctx);
        if (!outcome.Sent && outcome.Status != 0 && msg.Method != SipMethod.Ack)
        {
            server.Replier.Reply(ctx, outcome.Status, System.Text.Encoding.UTF8.GetBytes(outcome.Reason));
        }
    }

    public bool OnReply(MessageContext ctx) => true;
}

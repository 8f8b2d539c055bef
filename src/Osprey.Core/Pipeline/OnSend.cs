using System.Net;
using Osprey.Transport;

namespace Osprey.Core.Pipeline;

/// <summary>A message about to leave the server: where to, over what, from which socket, and its bytes.</summary>
public readonly ref struct OutgoingSend
{
    public OutgoingSend(SipProtocol protocol, IPEndPoint destination, ListenEndpoint? local, ReadOnlySpan<byte> data, bool isReply)
    {
        Protocol = protocol;
        Destination = destination;
        Local = local;
        Data = data;
        IsReply = isReply;
    }

    public SipProtocol Protocol { get; }
    public IPEndPoint Destination { get; }
    public ListenEndpoint? Local { get; }
    public ReadOnlySpan<byte> Data { get; }
    public bool IsReply { get; }
}

/// <summary>
/// The script's <c>onsend_route</c>: run just before a request is sent out (tm's branches, stateless
/// forwarding) and, with <c>onsend_route_reply</c>, before a received reply is relayed. Set on
/// <see cref="SipServer.OnSend"/> only when the script defines the route.
/// </summary>
public interface IOnSendRoute
{
    /// <summary><c>onsend_route_reply=yes</c>: relayed replies go through the route too.</summary>
    bool RunsForReplies { get; }

    /// <summary>Runs the route on the context of the message being sent; false when it executed <c>drop</c>.</summary>
    bool Allow(MessageContext ctx, in OutgoingSend send);
}

/// <summary>What <c>$snd(...)</c> and the onsend keywords (<c>snd_ip</c>, <c>to_port</c>, ...) read while
/// onsend_route runs on this thread.</summary>
public static class OnSendFrame
{
    [ThreadStatic] private static OnSendInfo? t_current;

    /// <summary>The message being sent, or null outside onsend_route.</summary>
    public static OnSendInfo? Current => t_current;

    /// <summary>Runs <paramref name="route"/> with <paramref name="send"/> visible to the script.</summary>
    public static bool Run(MessageContext ctx, in OutgoingSend send, Func<MessageContext, bool> route)
    {
        var saved = t_current;
        t_current = new OnSendInfo(send.Protocol, send.Destination, send.Local, send.Data.ToArray(), send.IsReply);
        try
        {
            return route(ctx);
        }
        finally
        {
            t_current = saved;
        }
    }

    /// <summary>True when the server's onsend_route (if any) lets this message go.</summary>
    public static bool Allows(SipServer server, MessageContext? ctx, in OutgoingSend send)
    {
        if (server.OnSend is not { } route || ctx is null) return true;
        if (send.IsReply && !route.RunsForReplies) return true;
        return route.Allow(ctx, send);
    }
}

/// <summary>A message being sent, as onsend_route sees it.</summary>
public sealed record OnSendInfo(SipProtocol Protocol, IPEndPoint Destination, ListenEndpoint? Local, byte[] Data, bool IsReply);

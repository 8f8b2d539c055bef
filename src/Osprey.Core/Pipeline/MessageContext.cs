using System.Net;
using Osprey.Sip.Builder;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Core.Pipeline;

/// <summary>
/// Everything the routing logic knows about the message being processed: the parsed message, where it
/// came from, the edits recorded so far and the routing decisions (destination URI, send socket).
/// One context per receiving thread, reset for each message, so processing allocates no context.
/// </summary>
public sealed partial class MessageContext
{
    internal MessageContext(SipServer server)
    {
        Server = server;
    }

    public SipServer Server { get; }

    public SipMessage Message { get; private set; } = null!;
    public IPEndPoint Source { get; private set; } = null!;
    public ListenEndpoint Local { get; private set; } = null!;
    public long ConnectionId { get; private set; }
    public SipProtocol Protocol => Local.Protocol;

    /// <summary>The edits (lumps) recorded against the message.</summary>
    public MessageEditor Editor { get; } = new();

    /// <summary>Destination URI (<c>$du</c>): where the request goes instead of the Request-URI's host.</summary>
    public string? DestinationUri { get; set; }

    /// <summary>Replacement Request-URI (<c>$ru</c> after rewrites); null keeps the received one.</summary>
    public string? NewRequestUri { get; set; }

    /// <summary>Socket to send from (<c>force_send_socket</c>); null picks by destination.</summary>
    public ListenEndpoint? SendSocket { get; set; }

    /// <summary>Message flags (<c>setflag</c>/<c>isflagset</c>).</summary>
    public ulong Flags { get; set; }

    /// <summary>Fill rport in the reply even without rport in the request (<c>force_rport()</c>).</summary>
    public bool ForceRport { get; set; }

    internal void Reset(SipMessage message, in InboundMessage inbound)
    {
        ResetScriptState();
        Message = message;
        Source = inbound.Source;
        Local = inbound.Local;
        ConnectionId = inbound.ConnectionId;
        Editor.Reset(message);
        DestinationUri = null;
        NewRequestUri = null;
        SendSocket = null;
        Flags = 0;
        ForceRport = false;
    }
}

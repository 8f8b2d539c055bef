using System.Net;
using Osprey.Core.Modules;
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
        Avps = _ownAvps;
        Xavps = _ownXavps;
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

    // ---- routing-script state (added for the cfg runtime; all reset per message) ----

    /// <summary>AVPs (<c>$avp</c>). tm may swap in the transaction's store while its routes run.</summary>
    public AvpStore Avps { get; set; }

    /// <summary>Extended AVPs (<c>$xavp</c>); swappable like <see cref="Avps"/>.</summary>
    public XavpStore Xavps { get; set; }

    // The context's own stores, put back at each message (a transaction's store is never cleared here).
    private readonly AvpStore _ownAvps = new();
    private readonly XavpStore _ownXavps = new();

    /// <summary>Flags of branch 0, the Request-URI itself (<c>setbflag(n)</c>, <c>$bf</c>).</summary>
    public ulong BranchFlags { get; set; }

    /// <summary>The targets besides the Request-URI (<c>append_branch</c>, registrar lookup), for forking.</summary>
    public DestinationSet Branches { get; } = new();

    /// <summary>Branch 0's Path (RFC 3327), the route set registrar <c>lookup</c> found with the contact it
    /// put in the Request-URI (Kamailio's path_vec); null for none.</summary>
    public string? PathVector { get; set; }

    /// <summary>Branch 0's location record id and +sip.instance (Kamailio's msg ruid and instance).</summary>
    public string? Ruid { get; set; }

    public string? Instance { get; set; }

    /// <summary>The transaction (tm) this message belongs to, once tm has created or matched it; opaque
    /// to the core.</summary>
    public object? Transaction { get; set; }

    /// <summary>Return code of the last function or route() call (<c>$rc</c>, <c>$retcode</c>, <c>$?</c>).</summary>
    public int ReturnCode { get; set; }

    /// <summary>The type of route block running now (a route[X] runs with its caller's type).</summary>
    public RouteTypes RouteType { get; set; }

    /// <summary><c>drop</c> was executed: the message, branch or reply must not be sent.</summary>
    public bool Dropped { get; set; }

    /// <summary><c>set_reply_no_connect()</c>: send the reply only over an existing connection.</summary>
    public bool ReplyNoConnect { get; set; }

    /// <summary><c>set_reply_close()</c>: close the connection after sending the reply.</summary>
    public bool ReplyClose { get; set; }

    /// <summary><c>set_forward_no_connect()</c>: forward only over an existing connection.</summary>
    public bool ForwardNoConnect { get; set; }

    /// <summary><c>set_forward_close()</c>: close the connection after forwarding.</summary>
    public bool ForwardClose { get; set; }

    /// <summary><c>add_local_rport()</c>: add rport to the Via this server inserts.</summary>
    public bool AddLocalRport { get; set; }

    /// <summary><c>set_advertised_address()</c>: host to put in Via/Record-Route instead of the socket's.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary><c>set_advertised_port()</c>; 0 when not set.</summary>
    public int AdvertisedPort { get; set; }

    /// <summary>Opaque per-thread state of the routing script engine (its <c>$var</c> storage).</summary>
    public object? ScriptState { get; set; }

    /// <summary>
    /// A context for running routes outside the receive path: tm runs failure/branch/onreply routes on a
    /// stored request or reply, tests and benchmarks run routes on a parsed message.
    /// </summary>
    public static MessageContext Create(SipServer server, SipMessage message, in InboundMessage inbound)
    {
        var ctx = new MessageContext(server);
        ctx.Reset(message, inbound);
        return ctx;
    }

    /// <summary>Points a context made by <see cref="Create"/> at another message, clearing all per-message state.</summary>
    public void Load(SipMessage message, in InboundMessage inbound) => Reset(message, inbound);

    /// <summary>
    /// A context for a message kept beyond its receive callback (a transaction's request, when tm runs
    /// a failure route from a timer or a reply). The message must be detached. Not pooled: these are rare.
    /// </summary>
    public static MessageContext ForStoredMessage(SipServer server, SipMessage message, IPEndPoint source, ListenEndpoint local, long connectionId)
    {
        var ctx = new MessageContext(server);
        ctx.Reset(message, new InboundMessage(message.Buffer, source, local, connectionId));
        return ctx;
    }

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
        _ownAvps.Clear();
        _ownXavps.Clear();
        Avps = _ownAvps;
        Xavps = _ownXavps;
        BranchFlags = 0;
        Branches.Clear();
        PathVector = Ruid = Instance = null;
        ReturnCode = 0;
        RouteType = RouteTypes.None;
        Dropped = false;
        ReplyNoConnect = false;
        ReplyClose = false;
        ForwardNoConnect = false;
        ForwardClose = false;
        AddLocalRport = false;
        AdvertisedAddress = null;
        AdvertisedPort = 0;
        Transaction = null;
    }
}

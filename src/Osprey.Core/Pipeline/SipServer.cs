using System.Net.Sockets;
using Osprey.Core.Dns;
using Osprey.Core.Net;
using Osprey.Core.Routing;
using Osprey.Core.Stateless;
using Osprey.Core.Stats;
using Osprey.Core.Timers;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Core.Pipeline;

/// <summary>
/// The pipeline of ARCHITECTURE.md: a received message is parsed, checked, and handed to the routing
/// logic (requests) or forwarded back along the Via path (replies). Runs on the thread that received
/// the message, to completion.
/// </summary>
public sealed class SipServer : IInboundHandler, IDisposable
{
    // One context per receiving thread (and server), reused for every message.
    [ThreadStatic] private static MessageContext? t_context;
    // The message object parsed last on this thread, parsed into again unless somebody kept it (Detach).
    [ThreadStatic] private static SipMessage? t_spare;
    private IMessageRouter _router;
    private ISipSender? _sender;
    private IReadOnlyList<ListenEndpoint> _listeners = [];

    public SipServer(CoreSettings settings, IMessageRouter router)
    {
        Settings = settings;
        _router = router;
        Replier = new StatelessReplier(this);
        Forwarder = new StatelessForwarder(this);
        Myself = new Myself([], settings.Aliases);
        Timers = new TimingWheel(new TimingWheelOptions());
        Statistics = new StatsRegistry();
        Stats = new CoreStatistics(Statistics);
        var dnsOptions = settings.Dns ?? new DnsOptions();
        Dns = new SipResolver(SipResolver.CreateLookupClient(dnsOptions, [.. dnsOptions.NameServers ?? []]), dnsOptions, Statistics);
    }

    public CoreSettings Settings { get; }

    /// <summary>The one timing wheel for every deadline in the server (retransmissions, transaction
    /// timeouts, contact expiry, ...).</summary>
    public TimingWheel Timers { get; }
    /// <summary>Every statistic of the server, by group (Kamailio's names).</summary>
    public StatsRegistry Statistics { get; }

    /// <summary>The "core" group: rcv_requests, fwd_replies, ...</summary>
    public CoreStatistics Stats { get; }
    public StatelessReplier Replier { get; }
    public StatelessForwarder Forwarder { get; }
    /// <summary>RFC 3263 resolution of request targets, with the DNS cache and the destination blocklist;
    /// also resolves reply destinations (Via sent-by, received, maddr) through its cached fast path.</summary>
    public SipResolver Dns { get; }
    public Myself Myself { get; private set; }

    /// <summary>The transaction layer (tm) when loaded: replies go through it before stateless forwarding.</summary>
    public ITransactionLayer? TransactionLayer { get; set; }

    /// <summary>The script's onsend_route when it has one: asked before requests (and, if configured,
    /// relayed replies) are sent.</summary>
    public IOnSendRoute? OnSend { get; set; }

    /// <summary>The current routing logic (for modules that run named routes through <see cref="IRouteRunner"/>).</summary>
    public IMessageRouter Router => Volatile.Read(ref _router);

    public ISipSender Sender => _sender ?? throw new InvalidOperationException("no transport attached");

    public IReadOnlyList<ListenEndpoint> Listeners => _listeners;

    /// <summary>Connects the pipeline to the transport once its sockets are bound.</summary>
    public void AttachTransport(ISipSender sender, IReadOnlyList<ListenEndpoint> listeners)
    {
        _sender = sender;
        _listeners = listeners;
        Myself = new Myself(listeners, Settings.Aliases) { Extra = _myselfExtra };
    }

    private MyselfCheck? _myselfExtra;

    /// <summary>Adds a check asked for hosts that are neither a listen address nor an alias (the domain
    /// module's <c>register_myself</c>: its table's domains count as "myself"). Set at module start.</summary>
    public void AddMyselfCheck(MyselfCheck check)
    {
        _myselfExtra += check;
        Myself.Extra = _myselfExtra;
    }

    /// <summary>Swaps the routing logic atomically (script reload); messages in flight finish on the old one.</summary>
    public void SetRouter(IMessageRouter router) => Volatile.Write(ref _router, router);

    /// <summary>First listener of a protocol and address family.</summary>
    public ListenEndpoint? ListenerFor(SipProtocol protocol, AddressFamily family)
    {
        foreach (var l in _listeners)
        {
            if (l.Protocol == protocol && l.Bind.AddressFamily == family) return l;
        }
        return null;
    }

    public void OnMessage(in InboundMessage message)
    {
        try
        {
            Process(message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug of ours must not take the receive loop down with it; count and report it.
            Stats.ErrRequests.Increment();
            Logging.Logger.Process.Error("core", "internal error processing message from " + message.Source + ": " + ex);
        }
    }

    private void Process(in InboundMessage inbound)
    {
        var framing = inbound.Protocol.IsReliable() ? Framing.Stream : Framing.Datagram;
        var data = inbound.Data;
        bool oversize = (inbound.Flags & InboundFlags.Oversize) != 0 || data.Length > Settings.MaxMessageSize;
        var msg = SipMessage.ParseReusing(t_spare, data, framing, out var err);
        if (msg is null)
        {
            // only CRLFs: a keep-alive (RFC 5626 §4.4.1 on UDP, stray bytes), not an error
            return;
        }
        if (msg.IsRequest) Stats.CountRequest(msg.MethodText);
        else Stats.CountReply(msg.StatusCode, msg.CSeq.MethodRange.Of(msg.Span));

        t_spare = msg;
        var ctx = t_context;
        if (ctx is null || ctx.Server != this) t_context = ctx = new MessageContext(this);
        ctx.Reset(msg, inbound);
        if (oversize)
        {
            // RFC 3261 §21.5.14 513 Message Too Large, when asked to and when it can be answered at all
            if (msg.IsRequest && Settings.OversizeAction == OversizeAction.Reply513) Replier.ReplyFromCore(ctx, 513, "Message Too Large"u8);
            CountDrop(msg);
            return;
        }
        if (!err.IsError) err = msg.Validate();
        if (err.IsError)
        {
            if (msg.IsRequest)
            {
                Stats.ErrRequests.Increment();
                if (err.Kind == ParseErrorKind.BadRequestUri) Stats.BadUrisReceived.Increment();
                else Stats.BadMessageHeaders.Increment();
                // answered when the top Via is usable; otherwise there is nowhere to send it (dropped)
                Span<byte> reason = stackalloc byte[128];
                int n = System.Text.Encoding.UTF8.GetBytes(err.Reason.AsSpan(0, Math.Min(err.Reason.Length, 100)), reason);
                Replier.ReplyFromCore(ctx, err.Status, reason[..n]);
            }
            else
            {
                Stats.ErrReplies.Increment();
                Stats.DropReplies.Increment();
            }
            return;
        }
        var router = Volatile.Read(ref _router);
        if (msg.IsRequest)
        {
            router.OnRequest(ctx);
        }
        else if (!router.OnReply(ctx))
        {
            Stats.DropReplies.Increment();
        }
        else if (TransactionLayer is { } tm && tm.OnReply(ctx))
        {
            // relayed or absorbed by its client transaction
        }
        else if (!Forwarder.ForwardReply(ctx))
        {
            Stats.DropReplies.Increment();
        }
    }

    private void CountDrop(SipMessage msg)
    {
        if (msg.IsRequest) Stats.DropRequests.Increment();
        else Stats.DropReplies.Increment();
    }

    /// <summary>Stops the timing wheel; modules are stopped by their host.</summary>
    public void Dispose() => Timers.Dispose();
}

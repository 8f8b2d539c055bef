using System.Net;

namespace Osprey.Transport;

/// <summary>
/// One framed SIP message as the transport hands it to the pipeline: a datagram, or one
/// Content-Length-framed message from a stream. <see cref="Data"/> is only valid for the
/// duration of the <see cref="IInboundHandler.OnMessage"/> call: the buffer is reused.
/// </summary>
public readonly struct InboundMessage
{
    public InboundMessage(ReadOnlyMemory<byte> data, IPEndPoint source, ListenEndpoint local, long connectionId, InboundFlags flags = InboundFlags.None)
    {
        Data = data;
        Source = source;
        Local = local;
        ConnectionId = connectionId;
        Flags = flags;
    }

    public ReadOnlyMemory<byte> Data { get; }
    public IPEndPoint Source { get; }
    public ListenEndpoint Local { get; }

    /// <summary>Stream connection id (0 for UDP).</summary>
    public long ConnectionId { get; }

    public InboundFlags Flags { get; }

    public SipProtocol Protocol => Local.Protocol;
}

[Flags]
public enum InboundFlags
{
    None = 0,

    /// <summary>The datagram was larger than the configured maximum; Data holds its first bytes.</summary>
    Oversize = 1,

    /// <summary>Stream message that carried no Content-Length header (RFC 3261 §18.3: required on streams).</summary>
    MissingContentLength = 2,
}

/// <summary>The pipeline's entry point. Called on the receiving thread; must not block.</summary>
public interface IInboundHandler
{
    void OnMessage(in InboundMessage message);
}

/// <summary>Outcome of a send.</summary>
public enum SendResult
{
    Sent,

    /// <summary>Stream transport, no open connection to the peer, and connecting was not allowed.</summary>
    NoConnection,

    /// <summary>No listener of that protocol and family, or the socket failed.</summary>
    Failed,
}

/// <summary>How the pipeline sends bytes; implemented by the transport host.</summary>
public interface ISipSender
{
    /// <summary>
    /// Sends one message. On UDP the datagram leaves from <paramref name="from"/> when given, else from
    /// the first listener of the destination's address family. On streams an existing connection to the
    /// destination (or <paramref name="connectionId"/> when non-zero) is reused (RFC 3261 §18); a new one
    /// is opened unless <paramref name="noConnect"/>.
    /// </summary>
    SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false);

    /// <summary>Closes a stream connection once what is queued on it is sent (<c>set_reply_close</c>);
    /// false when there is no such connection. Senders without connections have nothing to close.</summary>
    bool CloseConnection(long connectionId) => false;
}

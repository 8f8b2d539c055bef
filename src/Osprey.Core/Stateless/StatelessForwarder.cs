using System.Net;
using Osprey.Core.Dns;
using Osprey.Core.Pipeline;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;
using Osprey.Transport;

namespace Osprey.Core.Stateless;

/// <summary>Where a request goes: protocol, address and the local socket it leaves from.</summary>
public readonly record struct NextHop(SipProtocol Protocol, IPEndPoint Destination, ListenEndpoint Local);

/// <summary>Why a stateless forward did not happen; the caller may answer with the suggested status.</summary>
public readonly record struct ForwardOutcome(bool Sent, int Status, string Reason)
{
    public static readonly ForwardOutcome Ok = new(true, 0, "");

    /// <summary>The destination's DNS lookup is still under way: nothing was sent and nothing should be
    /// answered; a UDP client's retransmission will find the answer cached.</summary>
    public static readonly ForwardOutcome Pending = new(false, 0, "");
}

/// <summary>
/// Stateless forwarding (RFC 3261 §16.11): a request goes to its next hop with our Via on top — a branch
/// derived from the request so a retransmission gets the same one; a
/// reply loses our Via and goes to the next one.
/// </summary>
public sealed class StatelessForwarder
{
    private readonly SipServer _server;

    internal StatelessForwarder(SipServer server) => _server = server;

    /// <summary>
    /// RFC 3261 §16.3 step 3 / §16.6 step 3 for a proxy without a script: Max-Forwards decremented, or
    /// added with the default value; false when it is 0 (the caller answers 483). Not part of
    /// <see cref="ForwardRequest"/>: as in Kamailio, a script's forward() and t_relay() leave the header
    /// to the maxfwd module, so a request the script already processed is not decremented twice.
    /// </summary>
    public static bool ProcessMaxForwards(MessageContext ctx, int defaultValue)
    {
        var msg = ctx.Message;
        int mfIndex = msg.IndexOf(HeaderId.MaxForwards);
        if (mfIndex >= 0)
        {
            int mf = msg.MaxForwards;
            if (mf <= 0) return false;
            Span<byte> num = stackalloc byte[12];
            System.Buffers.Text.Utf8Formatter.TryFormat(mf - 1, num, out int n);
            ctx.Editor.ReplaceHeaderValue(mfIndex, num[..n]);
        }
        else
        {
            Span<byte> line = stackalloc byte[32];
            "Max-Forwards: "u8.CopyTo(line);
            System.Buffers.Text.Utf8Formatter.TryFormat(defaultValue, line[14..], out int n);
            ctx.Editor.AppendHeaderLine(line[..(14 + n)]);
        }
        return true;
    }

    /// <summary>Forwards the context's request. Next hop: the destination URI, then the top Route, then
    /// the Request-URI. Max-Forwards is left as the script made it (<see cref="ProcessMaxForwards"/>).</summary>
    public ForwardOutcome ForwardRequest(MessageContext ctx)
    {
        var msg = ctx.Message;
        var ed = ctx.Editor;
        if (!TryResolveNextHop(msg, ctx.DestinationUri, ctx.NewRequestUri, ctx.SendSocket, out var hop, out var outcome)) return outcome;
        var local = hop.Local;
        // the rewritten Request-URI is encoded once: it goes into the message and into the branch hash
        byte[]? newRuri = ctx.NewRequestUri is null ? null : System.Text.Encoding.UTF8.GetBytes(ctx.NewRequestUri);
        if (newRuri is not null) ed.SetRequestUri(newRuri);
        AddVia(ctx, local, newRuri);
        using var bytes = ed.Apply(ensureContentLength: hop.Protocol.IsReliable());
        if (!OnSendFrame.Allows(_server, ctx, new OutgoingSend(hop.Protocol, hop.Destination, local, bytes.Span, false))) return new ForwardOutcome(false, 0, "dropped in onsend_route");
        var r = _server.Sender.Send(hop.Protocol, hop.Destination, bytes.Span, local, noConnect: ctx.ForwardNoConnect);
        if (r != SendResult.Sent) return new ForwardOutcome(false, 503, "Send failed");
        _server.Stats.FwdRequests.Increment();
        return ForwardOutcome.Ok;
    }

    /// <summary>
    /// Where a request goes (RFC 3261 §16.6 steps 6–7, §18.1.1, RFC 3263): the destination URI when
    /// given, else the message's top Route, else the Request-URI (<paramref name="requestUri"/> when
    /// rewritten); then protocol, address and the local socket to send from. Shared by stateless and
    /// stateful (tm) forwarding. A failure carries the status to answer with, or is
    /// <see cref="ForwardOutcome.Pending"/> while the DNS lookup is under way.
    /// </summary>
    public bool TryResolveNextHop(SipMessage msg, string? destinationUri, string? requestUri, ListenEndpoint? sendSocket, out NextHop hop, out ForwardOutcome outcome)
        => TryResolveNextHop(msg, destinationUri, requestUri, sendSocket, false, out hop, out _, out outcome);

    /// <summary>
    /// <see cref="TryResolveNextHop(SipMessage, string?, string?, ListenEndpoint?, out NextHop, out ForwardOutcome)"/>
    /// for tm under <c>use_dns_failover</c>: with <paramref name="failover"/>, also the walk over the
    /// destination's other RFC 3263 targets (null when it has only one). Without
    /// <paramref name="useBlocklist"/> targets on the destination blocklist are not skipped.
    /// </summary>
    public bool TryResolveNextHop(SipMessage msg, string? destinationUri, string? requestUri, ListenEndpoint? sendSocket, bool failover,
        out NextHop hop, out SipTargetIterator? targets, out ForwardOutcome outcome, bool useBlocklist = true)
    {
        hop = default;
        targets = null;
        if (!TargetUri(msg, destinationUri, requestUri, out var target, out outcome)) return false;
        if (!target.IsSipOrSips) { outcome = new ForwardOutcome(false, 416, "Unsupported URI Scheme"); return false; }
        SipProtocol? explicitProto = null;
        if (target.TransportParam.Length > 0)
        {
            explicitProto = ProtocolFor(target);
            if (explicitProto is null) { outcome = new ForwardOutcome(false, 503, "Unsupported transport"); return false; }
        }
        // RFC 3263: maddr overrides the host; no port means SRV may apply
        var host = target.Maddr.Length > 0 ? target.Maddr : target.Host;
        var status = failover
            ? _server.Dns.TryResolveForFailover(host, target.Port, explicitProto, target.Scheme == UriScheme.Sips, out var resolved, out targets, useBlocklist)
            : _server.Dns.TryResolve(host, target.Port, explicitProto, target.Scheme == UriScheme.Sips, out resolved, useBlocklist);
        if (status == DnsStatus.Pending) { outcome = ForwardOutcome.Pending; return false; }
        if (status != DnsStatus.Ok) { outcome = new ForwardOutcome(false, 478, "Unresolvable destination"); return false; }
        var dest = resolved.EndPoint;
        var local = sendSocket ?? _server.ListenerFor(resolved.Protocol, dest.AddressFamily);
        if (local is null) { outcome = new ForwardOutcome(false, 503, "No listener for transport"); return false; }
        hop = new NextHop(resolved.Protocol, dest, local);
        return true;
    }

    private static bool TargetUri(SipMessage msg, string? destinationUri, string? requestUri, out SipUri target, out ForwardOutcome outcome)
    {
        outcome = default;
        ReadOnlyMemory<byte> text;
        if (destinationUri is not null) text = System.Text.Encoding.UTF8.GetBytes(destinationUri);
        else
        {
            int ri = msg.IndexOf(HeaderId.Route);
            if (ri >= 0)
            {
                var e = HeaderValues.Split(msg.Span, msg.Header(ri).Value);
                e.MoveNext();
                if (NameAddr.TryParse(msg.Buffer, e.Current, out var route, out _))
                {
                    target = route.Uri;
                    return true;
                }
                outcome = new ForwardOutcome(false, 400, "Bad Route header");
                target = default;
                return false;
            }
            if (requestUri is not null) text = System.Text.Encoding.UTF8.GetBytes(requestUri);
            else
            {
                target = msg.RequestUri;
                return true;
            }
        }
        if (!SipUri.TryParse(text, out target))
        {
            outcome = new ForwardOutcome(false, 400, "Bad destination URI");
            return false;
        }
        return true;
    }

    private static SipProtocol? ProtocolFor(in SipUri uri)
    {
        if (!uri.IsSipOrSips) return null;
        var t = uri.TransportParam;
        if (t.Length > 0) return SipProtocolExtensions.TryParse(t, out var p) ? p : null;
        return uri.Scheme == UriScheme.Sips ? SipProtocol.Tls : SipProtocol.Udp;
    }

    // RFC 3261 §16.11: the branch of a stateless proxy is a function of the request, so retransmissions
    // (and the CANCEL of an INVITE, which carries the same top Via branch) map to the same branch.
    private static void AddVia(MessageContext ctx, ListenEndpoint local, byte[]? newRequestUri)
    {
        var msg = ctx.Message;
        var h = StableHash.Create();
        ref readonly var via = ref msg.TopVia;
        if (via.HasMagicCookie) h.Add(via.Branch);
        else
        {
            h.Add(msg.CallId);
            h.Add(msg.From.Tag);
            h.Add(msg.To.Tag);
            h.Add(via.Range.Of(msg.Span));
            Span<byte> num = stackalloc byte[12];
            System.Buffers.Text.Utf8Formatter.TryFormat(msg.CSeq.Number, num, out int n);
            h.Add(num[..n]);
        }
        h.Add(newRequestUri is null ? msg.RequestUriText : newRequestUri);
        Span<byte> branch = stackalloc byte[9 + 16];
        "z9hG4bKsl"u8.CopyTo(branch);
        h.WriteHex(branch[9..]);
        InsertVia(ctx.Editor, local, branch, ctx.AdvertisedAddress, ctx.AdvertisedPort, ctx.AddLocalRport);
    }

    /// <summary>Adds our Via on top of the edited message (RFC 3261 §16.6 step 8): the socket's protocol
    /// and sent-by, and <paramref name="branch"/> (which must start with the magic cookie).</summary>
    public static void InsertVia(Sip.Builder.MessageEditor ed, ListenEndpoint local, ReadOnlySpan<byte> branch,
        string? advertisedHost = null, int advertisedPort = 0, bool addRport = false)
    {
        ed.BeginInsert(ed.Message.HeadersStart);
        ed.Write("Via: "u8);
        ed.Write(local.ViaProtocolUtf8);
        ed.Write((byte)' ');
        if (advertisedHost is null && advertisedPort == 0) ed.Write(local.SentByUtf8);
        else
        {
            // set_advertised_address()/set_advertised_port() for this message only
            ed.Write(System.Text.Encoding.UTF8.GetBytes(advertisedHost ?? local.Host));
            ed.Write((byte)':');
            ed.WriteInt(advertisedPort != 0 ? advertisedPort : local.Port);
        }
        ed.Write(";branch="u8);
        ed.Write(branch);
        if (addRport) ed.Write(";rport"u8); // add_local_rport(): ask the next hop to answer to our source port
        ed.Write("\r\n"u8);
        ed.EndInsert();
    }

    /// <summary>Forwards a reply statelessly: removes our Via (it must be ours) and sends to the next
    /// Via as RFC 3261 §18.2.2 says. False when the reply is not for us to forward (dropped).</summary>
    public bool ForwardReply(MessageContext ctx)
    {
        var msg = ctx.Message;
        ref readonly var top = ref msg.TopVia;
        if (!top.IsValid || !_server.Myself.IsMyself(top.Host, top.Port)) return false;
        if (!msg.TryGetVia(1, out var next)) return false; // a reply to a request we originated
        RemoveTopVia(ctx.Editor, msg);
        if (!SipProtocolExtensions.TryParse(next.Transport, out var proto)) return false;
        var host = next.MaddrRange.Length > 0 ? next.Maddr : next.ReceivedRange.Length > 0 ? next.Received : next.Host;
        int port = next.Rport.Length > 0 && SipChars.TryParseInt(next.Rport, out var rp) ? rp : next.Port != 0 ? next.Port : 5060;
        var dest = _server.Dns.Resolve(host, port);
        if (dest is null) return false;
        using var bytes = ctx.Editor.Apply(ensureContentLength: proto.IsReliable());
        var local = _server.ListenerFor(proto, dest.AddressFamily);
        if (!OnSendFrame.Allows(_server, ctx, new OutgoingSend(proto, dest, local, bytes.Span, true))) return true; // dropped in onsend_route: handled
        var r = _server.Sender.Send(proto, dest, bytes.Span, local);
        if (r == SendResult.Sent) _server.Stats.FwdReplies.Increment();
        return r == SendResult.Sent;
    }

    /// <summary>Records the removal of a reply's top via-parm (ours), keeping any other via-parms of
    /// the same line (RFC 3261 §16.7 step 9).</summary>
    public static void RemoveTopVia(Sip.Builder.MessageEditor ed, SipMessage msg)
    {
        int vi = msg.IndexOf(HeaderId.Via);
        ref readonly var h = ref msg.Header(vi);
        var e = HeaderValues.Split(msg.Span, h.Value);
        e.MoveNext();
        var first = e.Current;
        if (!e.MoveNext())
        {
            ed.RemoveHeader(vi);
            return;
        }
        // several via-parms on one line: delete the first one and its comma
        ed.Delete(first.Start, e.Current.Start - first.Start);
    }
}

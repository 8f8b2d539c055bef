using System.Globalization;
using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Modules.Tm;

/// <summary>A request the server sends itself (<c>tm.t_uac_start</c>): Kamailio's parameters.</summary>
/// <param name="Method">Request method.</param>
/// <param name="RequestUri">Request-URI.</param>
/// <param name="NextHop">Outbound proxy URI the request is sent to instead of the Request-URI's host, or null.</param>
/// <param name="Socket">Local socket to send from, or null to pick by destination.</param>
/// <param name="Headers">Header lines; at least From and To. Call-ID, CSeq, Max-Forwards and the From
/// tag are added when missing, Content-Length is computed.</param>
/// <param name="Body">Message body, or null (a body needs Content-Type among the headers).</param>
public sealed record LocalRequest(string Method, string RequestUri, string? NextHop, ListenEndpoint? Socket, string Headers, string? Body);

/// <summary>The final reply to a local request: status, reason phrase, and the reply's header lines and
/// body as received (empty for a reply generated here, e.g. 408 when nothing answered).</summary>
public sealed record LocalRequestResult(int Status, string Reason, string Headers);

public sealed partial class TransactionLayer
{
    private static long s_localCounter;

    /// <summary>
    /// Starts a client transaction for a request built here (RFC 3261 §17.1): Via with our branch,
    /// retransmissions and timers as for a relayed request; replies end at this server. An INVITE's 2xx
    /// is acknowledged here (RFC 3261 §13.2.2.4). Returns null when sent, else why not (a user error).
    /// </summary>
    public string? StartLocalRequest(LocalRequest req, out Transaction? started) => StartLocalRequest(req, null, out started);

    /// <summary>As <see cref="StartLocalRequest(LocalRequest, out Transaction?)"/>; <paramref name="final"/>
    /// is completed with the final reply.</summary>
    public string? StartLocalRequest(LocalRequest req, TaskCompletionSource<LocalRequestResult>? final, out Transaction? started)
    {
        started = null;
        if (!HasHeader(req.Headers, "From", "f") || !HasHeader(req.Headers, "To", "t")) return "the headers must include From and To";
        if (req.Body is { Length: > 0 } && !HasHeader(req.Headers, "Content-Type", "c")) return "a body needs a Content-Type header";
        long n = Interlocked.Increment(ref s_localCounter);
        var sb = new StringBuilder(256);
        sb.Append(req.Method).Append(' ').Append(req.RequestUri).Append(" SIP/2.0\r\n");
        string headers = req.Headers;
        foreach (var line in headers.Split('\n'))
        {
            var l = line.TrimEnd('\r');
            if (l.Length == 0 || IsHeader(l, "Content-Length", "l")) continue;
            if ((IsHeader(l, "From", "f")) && !l.Contains(";tag=", StringComparison.OrdinalIgnoreCase))
            {
                l += ";tag=" + Guid.NewGuid().ToString("N")[..16];
            }
            sb.Append(l).Append("\r\n");
        }
        if (!HasHeader(headers, "Call-ID", "i")) sb.Append("Call-ID: ").Append(Guid.NewGuid().ToString("N")).Append("-local").Append(n.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (!HasHeader(headers, "CSeq", null)) sb.Append("CSeq: 10 ").Append(req.Method).Append("\r\n");
        if (!HasHeader(headers, "Max-Forwards", null)) sb.Append("Max-Forwards: 70\r\n");
        var body = req.Body ?? "";
        sb.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n").Append(body);
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var msg = SipMessage.Parse(bytes, Framing.Datagram, out var err);
        if (msg is null || err.IsError) return "the request does not parse: " + (err.IsError ? err.Reason : "empty");
        if (msg.Method == SipMethod.Ack || msg.Method == SipMethod.Cancel) return "ACK and CANCEL are not sent as new transactions";
        if (!msg.RequestUri.IsSipOrSips) return "the Request-URI is not a SIP URI";
        msg.Detach();
        var local = req.Socket ?? (Server.Listeners.Count > 0 ? Server.Listeners[0] : null);
        if (local is null) return "no listening socket";
        var tx = new Transaction
        {
            Method = msg.Method,
            MethodText = msg.MethodText.ToArray(),
            Rfc3261 = true,
            ViaBranch = Encoding.ASCII.GetBytes("local-uac-" + n.ToString(CultureInfo.InvariantCulture)), // matches no received request
            CallId = msg.CallId.ToArray(),
            CSeqNumber = msg.CSeq.Number,
            FromTag = msg.From.Tag.ToArray(),
            RequestUriText = msg.RequestUriText.ToArray(),
            Request = msg,
            BaseRequest = msg,
            Source = local.Bind,
            Local = local,
            LocalUac = true,
            LocalFinal = final,
            NoisyCtimer = true,
        };
        _ = msg.RequestUri;
        _ = msg.To;
        Table.InsertLocal(tx, (int)n);
        Interlocked.Increment(ref Stats.Created);
        var ctx = MessageContext.ForStoredMessage(Server, msg, local.Bind, local, 0);
        ctx.Transaction = tx;
        lock (tx.Gate)
        {
            int life = msg.Method == SipMethod.Invite ? Settings.MaxInvLifetime : Settings.MaxNonInvLifetime;
            tx.LifetimeTimer = Clock.Schedule(life, _onLifetime, tx);
            int r = AddBranch(tx, ctx, msg, null, req.NextHop, req.Socket, null);
            if (r <= 0 && tx.BranchCount == 0)
            {
                Delete(tx);
                return r == DnsPending ? "the next hop is being resolved (DNS); try again" : "the request could not be sent to the next hop";
            }
            if (r <= 0) TryComplete(tx); // a transport error is the branch's 503
        }
        started = tx;
        return null;
    }

    // caller holds tx.Gate. The final "reply" of a local transaction goes nowhere: the transaction completes.
    private bool CompleteLocalUac(Transaction tx, MessageContext ctx, int status, ReadOnlySpan<byte> reason)
    {
        tx.LocalReply = true;
        Interlocked.Increment(ref Stats.RplGenerated);
        tx.UasStatus = status;
        Stats.CountFinal(status);
        tx.UasState = UasState.Finished;
        SetWait(tx, Settings.WtTimer);
        tx.LocalFinal?.TrySetResult(new LocalRequestResult(status, Encoding.UTF8.GetString(reason), ""));
        NotifyLocalReply(tx, ctx, status, reason);
        return true;
    }

    // caller holds tx.Gate. RFC 3261 §13.2.2.4: the UAC acknowledges a 2xx to its INVITE end to end —
    // Request-URI from the Contact, Route from the Record-Route in reverse, a new Via branch.
    private void AckLocal2xx(Transaction tx, SipMessage reply)
    {
        if (tx.BranchCount == 0) return;
        var b = tx.Branches[0];
        for (int i = 0; i < tx.BranchCount; i++)
        {
            if (tx.Branches[i].Status is >= 200 and < 300) b = tx.Branches[i];
        }
        Span<NameAddr> contact = [default];
        string ruri = reply.ParseAddresses(HeaderId.Contact, contact, out _) > 0
            ? Encoding.UTF8.GetString(contact[0].UriRange.Of(reply.Span))
            : Encoding.UTF8.GetString(b.Sent.RequestUriText);
        var sent = b.Sent;
        var sb = new StringBuilder(512);
        sb.Append("ACK ").Append(ruri).Append(" SIP/2.0\r\n");
        var via = Encoding.UTF8.GetString(sent.TopVia.Range.Of(sent.Span));
        int bi = via.IndexOf(";branch=", StringComparison.OrdinalIgnoreCase);
        if (bi >= 0)
        {
            int end = via.IndexOf(';', bi + 8);
            via = via[..(bi + 8)] + "z9hG4bKack" + Guid.NewGuid().ToString("N")[..12] + (end >= 0 ? via[end..] : "");
        }
        sb.Append("Via: ").Append(via).Append("\r\n");
        var rr = new List<string>();
        for (int i = reply.IndexOf(HeaderId.RecordRoute); i >= 0; i = reply.NextIndexOf(HeaderId.RecordRoute, i))
        {
            foreach (var part in reply.ValueString(i).Split(',')) rr.Add(part.Trim());
        }
        for (int i = rr.Count - 1; i >= 0; i--) sb.Append("Route: ").Append(rr[i]).Append("\r\n");
        sb.Append("From: ").Append(sent.ValueString(sent.IndexOf(HeaderId.From))).Append("\r\n");
        sb.Append("To: ").Append(reply.ValueString(reply.IndexOf(HeaderId.To))).Append("\r\n");
        sb.Append("Call-ID: ").Append(Encoding.UTF8.GetString(sent.CallId)).Append("\r\n");
        sb.Append("CSeq: ").Append(sent.CSeq.Number.ToString(CultureInfo.InvariantCulture)).Append(" ACK\r\n");
        sb.Append("Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        Server.Sender.Send(b.Protocol, b.Destination, Encoding.UTF8.GetBytes(sb.ToString()), b.Local);
    }

    private static bool HasHeader(string headers, string name, string? compact)
    {
        foreach (var line in headers.Split('\n'))
        {
            if (IsHeader(line.TrimEnd('\r'), name, compact)) return true;
        }
        return false;
    }

    private static bool IsHeader(string line, string name, string? compact)
    {
        int colon = line.IndexOf(':');
        if (colon <= 0) return false;
        var n = line.AsSpan(0, colon).Trim();
        return n.Equals(name, StringComparison.OrdinalIgnoreCase) || (compact is not null && n.Equals(compact, StringComparison.OrdinalIgnoreCase));
    }
}

using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Core.Stats;
using Osprey.Transport;

namespace Osprey.Modules.Sanity;

/// <summary>
/// Kamailio's sanity module: RFC checks on a request before it is routed, answering a failing one with
/// the precise error Kamailio sends (400 with a reason, 420 with Unsupported, 505) through the stateless
/// replier. With <c>autodrop</c> (the default) a failure stops the script (returns 0); without it the
/// function returns false. <c>noreply</c> keeps the reply for <c>sanity_reply()</c>.
/// </summary>
[Module("sanity")]
public sealed class Sanity : ModuleBase
{
    // The failure of the last check on this thread, for sanity_reply(); tied to the message it was for.
    [ThreadStatic] private static long t_failedMessage; // Serial
    [ThreadStatic] private static SanityFailure t_failure;

    private byte[][] _proxyRequire = [];
    private StatCounter? _failed;

    /// <summary>Checks done by <c>sanity_check()</c> without arguments.</summary>
    [ModParam("default_checks")] public int DefaultChecks { get; set; } = 3047;

    /// <summary>URIs parsed by the parse-URIs check (1 R-URI, 2 From, 4 To, 8 Contact).</summary>
    [ModParam("uri_checks")] public int UriChecks { get; set; } = 7;

    /// <summary>Comma-separated extensions this proxy supports (Proxy-Require tokens it accepts).</summary>
    [ModParam("proxy_require")] public string ProxyRequire { get; set; } = "";

    [ModParam("autodrop")] public int Autodrop { get; set; } = 1;

    [ModParam("noreply")] public int NoReply { get; set; }

    public override string? Init()
    {
        var list = new List<byte[]>();
        foreach (var item in ProxyRequire.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            list.Add(Encoding.UTF8.GetBytes(item));
        }
        _proxyRequire = [.. list];
        if (Server is not null)
        {
            _failed = Server.Statistics.TryGet("sanity:failed_checks", out var st) ? st as StatCounter
                : Server.Statistics.RegisterCounter("sanity", "failed_checks");
        }
        return null;
    }

    /// <summary>Messages that failed a check since start (<c>sanity:failed_checks</c>).</summary>
    public long FailedChecks => _failed?.Read() ?? _localFailed;
    private long _localFailed;

    [Function("sanity_check", RouteTypes.Request | RouteTypes.CoreReply)]
    public int SanityCheck(MessageContext ctx) => SanityCheck(ctx, DefaultChecks, UriChecks);

    [Function("sanity_check", RouteTypes.Request | RouteTypes.CoreReply)]
    public int SanityCheck(MessageContext ctx, int msgChecks) => SanityCheck(ctx, msgChecks, UriChecks);

    /// <summary><c>sanity_check(msg_checks, uri_checks)</c>.</summary>
    [Function("sanity_check", RouteTypes.Request | RouteTypes.CoreReply)]
    public int SanityCheck(MessageContext ctx, int msgChecks, int uriChecks)
    {
        var f = SanityChecks.Run(ctx.Message, (SanityCheck)msgChecks, (SanityUriCheck)uriChecks, _proxyRequire, datagram: !ctx.Protocol.IsReliable());
        if (!f.Failed) return 1;
        if (_failed is not null) _failed.Increment();
        else Interlocked.Increment(ref _localFailed);
        t_failedMessage = ctx.Message.Serial;
        t_failure = f;
        if (NoReply == 0) SendReply(ctx, f);
        return Autodrop != 0 ? 0 : -1;
    }

    /// <summary><c>sanity_reply()</c>: sends the reply for the last failed check of this message (with
    /// <c>noreply</c> set).</summary>
    [Function("sanity_reply", RouteTypes.Request)]
    public int SanityReply(MessageContext ctx)
    {
        if (t_failedMessage != ctx.Message.Serial || !t_failure.Failed) return -1;
        return SendReply(ctx, t_failure) ? 1 : -1;
    }

    private bool SendReply(MessageContext ctx, in SanityFailure f)
    {
        if (f.Status == 0 || !ctx.Message.IsRequest) return false;
        Span<byte> reason = stackalloc byte[128];
        int rn = Encoding.UTF8.GetBytes(f.Reason, reason);
        var extra = ctx.ReplyHeaders;
        if (f.Unsupported is null) return ctx.Server.Replier.Reply(ctx, f.Status, reason[..rn], extra);
        var line = Encoding.UTF8.GetBytes("Unsupported: " + f.Unsupported + "\r\n");
        var all = new byte[extra.Length + line.Length];
        extra.CopyTo(all);
        line.CopyTo(all.AsSpan(extra.Length));
        return ctx.Server.Replier.Reply(ctx, f.Status, reason[..rn], all);
    }
}

using System.Buffers.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;

namespace Osprey.Modules.Maxfwd;

/// <summary>The maxfwd module: Max-Forwards processing of a proxy (RFC 3261 §16.3 step 3, §16.6 step 3).</summary>
[Module("maxfwd")]
public sealed class MaxfwdModule : ModuleBase
{
    // the value this message leaves with, once processed (is_maxfwd_lt sees the new value)
    [ThreadStatic] private static long t_message; // the message's Serial
    [ThreadStatic] private static int t_value;

    /// <summary>max_limit: a received value above it is lowered to it (0 = no limit).</summary>
    [ModParam("max_limit")] public int MaxLimit { get; set; } = 70;

    public override string? Init() => MaxLimit is < 0 or > 255 ? "maxfwd: max_limit must be between 0 and 255" : null;

    /// <summary>2 header added, 1 decremented, -1 the value is 0 (answer 483), -2 malformed.</summary>
    [Function("mf_process_maxfwd_header", RouteTypes.Request)]
    [Function("maxfwd_process", RouteTypes.Request)]
    [Function("process_maxfwd", RouteTypes.Request)]
    public int Process(MessageContext ctx, int maxValue)
    {
        var msg = ctx.Message;
        if (!msg.IsRequest || maxValue is < 0 or > 255) return -2;
        if (t_message == msg.Serial) return t_value > 0 || !msg.Has(HeaderId.MaxForwards) ? 1 : -1;
        int i = msg.IndexOf(HeaderId.MaxForwards);
        Span<byte> num = stackalloc byte[16];
        if (i < 0)
        {
            "Max-Forwards: "u8.CopyTo(num);
            Utf8Formatter.TryFormat(maxValue, num[14..], out int w);
            ctx.Editor.AppendHeaderLine(num[..(14 + w)]);
            Remember(msg, maxValue);
            return 2;
        }
        int v = msg.MaxForwards;
        if (v < 0) return -2;
        if (v == 0)
        {
            Remember(msg, 0);
            return -1;
        }
        if (MaxLimit > 0 && v > MaxLimit) v = MaxLimit + 1;
        Utf8Formatter.TryFormat(v - 1, num, out int n);
        ctx.Editor.ReplaceHeaderValue(i, num[..n]);
        Remember(msg, v - 1);
        return 1;
    }

    /// <summary>1 the value (after processing, if done) is below <paramref name="maxValue"/>, -1 not,
    /// -2 no header.</summary>
    [Function("is_maxfwd_lt", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    [Function("maxfwd_at_least", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    [Function("mf_lowlimit", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int IsLessThan(MessageContext ctx, int maxValue)
    {
        var msg = ctx.Message;
        int v;
        if (t_message == msg.Serial) v = t_value;
        else if (!msg.Has(HeaderId.MaxForwards)) return -2;
        else v = msg.MaxForwards;
        if (v < 0) return -3;
        return v < maxValue ? 1 : -1;
    }

    private static void Remember(SipMessage msg, int value)
    {
        t_message = msg.Serial;
        t_value = value;
    }
}

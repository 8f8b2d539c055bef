using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Modules.Acc;

/// <summary>The kind of accounting event, with the label Kamailio's log line starts with.</summary>
public enum AccEvent
{
    /// <summary><c>acc_log_request</c>: "request accounted".</summary>
    Request,
    /// <summary>A transaction completed with a final reply: "transaction answered".</summary>
    Answered,
    /// <summary>A failed INVITE with the missed-call flag: "call missed".</summary>
    Missed,
    /// <summary>The ACK of an accounted 2xx (report_ack): "request acknowledged".</summary>
    Acknowledged,
}

/// <summary>
/// Kamailio's acc module with the syslog/stderr backend: one line per accounted event, in Kamailio's
/// format (observed with Kamailio 5.6.3):
/// <c>ACC: transaction answered: timestamp=...;method=...;from_tag=...;to_tag=...;call_id=...;code=...;reason=...</c>
/// followed by the <c>log_extra</c> pairs.
/// <para>Accounting of transactions is driven by tm: when a transaction completes it calls
/// <see cref="AccountTransaction"/> (see there); <c>acc_log_request</c> writes a line on demand.</para>
/// </summary>
[Module("acc")]
public sealed partial class Acc : ModuleBase, IUsesScriptFormats
{
    private (string Name, string Spec)[] _extra = [];

    [ModParam("log_flag")] public int LogFlag { get; set; } = -1;
    [ModParam("log_missed_flag")] public int LogMissedFlag { get; set; } = -1;
    [ModParam("failed_transaction_flag")] public int FailedTransactionFlag { get; set; } = -1;
    /// <summary><c>name=$pv;name2=$pv2</c>: extra values appended to each line.</summary>
    [ModParam("log_extra")] public string LogExtra { get; set; } = "";
    /// <summary>Kamailio log level of the lines (1 = NOTICE, the default).</summary>
    [ModParam("log_level")] public int LogLevel { get; set; } = 1;
    [ModParam("log_facility")] public string LogFacility { get; set; } = "LOG_DAEMON";
    /// <summary>Account a transaction at its first 183 Session Progress as well.</summary>
    [ModParam("early_media")] public int EarlyMedia { get; set; }
    /// <summary>Account the ACK of an accounted 2xx INVITE.</summary>
    [ModParam("report_ack")] public int ReportAck { get; set; }
    /// <summary>Account CANCEL transactions too (off by default: the INVITE is accounted with 487).</summary>
    [ModParam("report_cancels")] public int ReportCancels { get; set; }
    /// <summary>For a request sent by the callee (upstream in the dialog), swap From and To tags so the
    /// line names the dialog as the caller created it. The direction is read as rr does: the top Route's
    /// <c>ftag</c> differs from the From tag.</summary>
    [ModParam("detect_direction")] public int DetectDirection { get; set; }

    /// <summary>Where lines go (stderr by default).</summary>
    public IAccLogWriter Log { get; set; } = StderrAccLog.Instance;

    /// <summary>
    /// Evaluates a <c>log_extra</c> value (a pseudo-variable such as <c>$avp(i:1)</c>) on a message; set by
    /// the script compiler, which owns pseudo-variables. Without it only <c>$hdr(Name)</c> is understood
    /// here and anything else logs empty.
    /// </summary>
    public Func<MessageContext, string, string?>? ExtraEvaluator { get; set; }

    /// <summary>Clock for the timestamp field (tests fix it).</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    public override string? Init()
    {
        if (ParseExtra(out var list) is { } error) return error;
        _extra = [.. list];
        Tm?.Callbacks.Add(new TmHooks(this));
        return null;
    }

    /// <summary><c>acc_log_request(comment)</c>: logs the request now. A comment starting with three digits
    /// gives the code and the rest (blanks skipped) the reason; any other comment is all reason.</summary>
    [Function("acc_log_request", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int AccLogRequest(MessageContext ctx, string comment)
    {
        string code = "", reason = comment;
        if (comment.Length >= 3 && char.IsAsciiDigit(comment[0]) && char.IsAsciiDigit(comment[1]) && char.IsAsciiDigit(comment[2]))
        {
            code = comment[..3];
            reason = comment[3..].TrimStart(' ', '\t');
        }
        var m = ctx.Message;
        Write(AccEvent.Request, ctx, code, reason, m.To.Tag);
        return 1;
    }

    /// <summary>
    /// Accounts a transaction that completed, as Kamailio's acc does from its tm callbacks. tm calls it once
    /// per transaction, when the final reply is sent upstream (and, with <see cref="EarlyMedia"/>, at the
    /// first 183), with the context of the transaction's request (its flags are the transaction's flags),
    /// the status and reason of the reply, and the reply's To tag. For a reply tm generated itself
    /// (<c>t_reply</c>, timeout) pass <paramref name="localReply"/>: the standard reason phrase is logged and
    /// the request's To tag, as Kamailio does.
    /// Logs "call missed" for a failed INVITE with log_missed_flag, and "transaction answered" with
    /// log_flag for a 2xx (or any final status with failed_transaction_flag). Returns how many lines it wrote.
    /// </summary>
    public int AccountTransaction(MessageContext requestCtx, int status, string reason, ReadOnlySpan<byte> replyToTag = default, bool localReply = false)
    {
        var m = requestCtx.Message;
        if (!m.IsRequest) return 0;
        if (m.Method == SipMethod.Cancel && ReportCancels == 0) return 0;
        if (status < 200 && !(EarlyMedia != 0 && status == 183)) return 0;
        string code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string why = localReply ? ReasonPhrases.For(status) : reason;
        var toTag = localReply || replyToTag.IsEmpty ? m.To.Tag : replyToTag;
        int lines = 0;
        if (status >= 300 && m.Method == SipMethod.Invite && IsSet(requestCtx, LogMissedFlag))
        {
            Write(AccEvent.Missed, requestCtx, code, why, toTag);
            lines++;
        }
        if (IsSet(requestCtx, LogFlag) && (status < 300 || IsSet(requestCtx, FailedTransactionFlag)))
        {
            Write(AccEvent.Answered, requestCtx, code, why, toTag);
            lines++;
        }
        return lines;
    }

    /// <summary>With <see cref="ReportAck"/>: tm calls this for the ACK of a 2xx of an accounted INVITE
    /// transaction (the ACK's context; the transaction's flags in <paramref name="transactionFlags"/>).</summary>
    public bool AccountAck(MessageContext ackCtx, ulong transactionFlags)
    {
        if (ReportAck == 0 || ackCtx.Message.Method != SipMethod.Ack) return false;
        if (LogFlag < 0 || LogFlag > 63 || (transactionFlags & (1UL << LogFlag)) == 0) return false;
        Write(AccEvent.Acknowledged, ackCtx, "", "", ackCtx.Message.To.Tag);
        return true;
    }

    private static bool IsSet(MessageContext ctx, int flag) => (uint)flag <= 63 && (ctx.Flags & (1UL << flag)) != 0;

    private static string Label(AccEvent e) => e switch
    {
        AccEvent.Request => "ACC: request accounted: ",
        AccEvent.Answered => "ACC: transaction answered: ",
        AccEvent.Missed => "ACC: call missed: ",
        _ => "ACC: request acknowledged: ",
    };

    /// <summary>Builds and writes one line.</summary>
    internal void Write(AccEvent e, MessageContext ctx, string code, string reason, ReadOnlySpan<byte> toTag)
    {
        Log.Write(LogLevel, LogFacility, Line(e, ctx, code, reason, toTag));
    }

    internal string Line(AccEvent e, MessageContext ctx, string code, string reason, ReadOnlySpan<byte> toTag)
    {
        var m = ctx.Message;
        ReadOnlySpan<byte> fromTag = m.From.Tag;
        if (DetectDirection != 0 && IsUpstream(m))
        {
            var t = fromTag;
            fromTag = toTag;
            toTag = t;
        }
        var method = m.IsRequest ? m.MethodText : m.CSeq.MethodRange.Of(m.Span);
        var sb = new StringBuilder(256);
        sb.Append(Label(e));
        sb.Append("timestamp=").Append(Clock().ToUnixTimeSeconds());
        sb.Append(";method=").Append(Encoding.UTF8.GetString(method));
        sb.Append(";from_tag=").Append(Encoding.UTF8.GetString(fromTag));
        sb.Append(";to_tag=").Append(Encoding.UTF8.GetString(toTag));
        sb.Append(";call_id=").Append(Encoding.UTF8.GetString(m.CallId));
        sb.Append(";code=").Append(code);
        sb.Append(";reason=").Append(reason);
        foreach (var (name, spec) in _extra)
        {
            sb.Append(';').Append(name).Append('=').Append(Extra(ctx, spec));
        }
        return sb.ToString();
    }

    private string? ParseExtra(out List<(string Name, string Spec)> list)
    {
        list = [];
        foreach (var item in LogExtra.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (eq <= 0 || eq == item.Length - 1) return "acc: log_extra item '" + item + "' is not name=$variable";
            list.Add((item[..eq].Trim(), item[(eq + 1)..].Trim()));
        }
        return null;
    }

    /// <summary>log_extra's variables, bound by the script engine when the config is compiled.</summary>
    public string? CompileFormats(IScriptFormatCompiler compiler)
    {
        if (ParseExtra(out var list) is { } error) return error;
        var compiled = new Dictionary<string, ScriptFormat>(StringComparer.Ordinal);
        foreach (var (_, spec) in list)
        {
            if (compiled.ContainsKey(spec)) continue;
            var f = compiler.Compile(spec, out var err);
            if (f is null) return "log_extra " + err;
            compiled[spec] = f;
        }
        ExtraEvaluator ??= (ctx, spec) => compiled.TryGetValue(spec, out var f) ? f.Format(ctx) : null;
        return null;
    }

    private string Extra(MessageContext ctx, string spec)
    {
        if (ExtraEvaluator is { } eval) return eval(ctx, spec) ?? "";
        if (spec.StartsWith("$hdr(", StringComparison.Ordinal) && spec.EndsWith(')'))
        {
            var m = ctx.Message;
            int i = m.IndexOf(Encoding.ASCII.GetBytes(spec[5..^1]));
            return i < 0 ? "" : m.ValueString(i);
        }
        return "";
    }

    // rr's direction: the ftag the Record-Route was stamped with is the caller's From tag; a request
    // whose From tag differs travels from callee to caller.
    private static bool IsUpstream(SipMessage m)
    {
        Span<NameAddr> route = [default];
        if (m.ParseAddresses(HeaderId.Route, route, out _) == 0) return false;
        if (!route[0].Uri.TryGetParam("ftag"u8, out var ftag) || ftag.IsEmpty) return false;
        return !ftag.SequenceEqual(m.From.Tag);
    }
}

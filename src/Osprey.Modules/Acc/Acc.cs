using System.Data.Common;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Data;
using Osprey.Modules.Tm;
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
/// Kamailio's acc module with two backends.
/// <para>Log: one line per accounted event, in Kamailio's format (observed with Kamailio 5.6.3):
/// <c>ACC: transaction answered: timestamp=...;method=...;from_tag=...;to_tag=...;call_id=...;code=...;reason=...</c>
/// followed by the <c>log_extra</c> pairs.</para>
/// <para>Database (<c>db_url</c>, <c>db_flag</c>, <c>db_missed_flag</c>): one row per event in Kamailio's
/// <c>acc</c> and <c>missed_calls</c> tables (method, from_tag, to_tag, callid, sip_code, sip_reason, time),
/// plus a column per <c>db_extra</c> item. Rows are queued while the transaction exists and written by
/// <see cref="AccDbWriter"/> off the SIP threads; <see cref="Stop"/> writes what is queued before shutdown.</para>
/// <para>Accounting of transactions is driven by tm: when a transaction's final reply goes upstream tm
/// calls <see cref="AccountTransaction"/> (see there); <c>acc_log_request</c>, <c>acc_db_request</c> and
/// <c>acc_request</c> account a request on demand.</para>
/// </summary>
[Module("acc")]
public sealed partial class Acc : ModuleBase, IPvParameters, IDisposable
{
    private Extra[] _extra = [];
    private Extra[] _dbExtra = [];
    private ScriptFormat? _accTableFormat, _missedTableFormat;
    private bool _hooked;
    private bool _compiled;
    private AccDbWriter? _writer;
    private string[] _accColumns = [], _missedColumns = [];

    /// <summary>A log_extra/db_extra item: the name (log key or column) and its pseudo-variable, compiled
    /// by the script engine when there is one.</summary>
    private readonly record struct Extra(string Name, string Spec, ScriptFormat? Format);

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

    /// <summary>Flag that sends a transaction to the <c>acc</c> table (-1: none).</summary>
    [ModParam("db_flag")] public int DbFlag { get; set; } = -1;
    /// <summary>Flag that sends a failed INVITE to the <c>missed_calls</c> table (-1: none).</summary>
    [ModParam("db_missed_flag")] public int DbMissedFlag { get; set; } = -1;
    /// <summary>Database of the accounting tables; empty disables the database backend.</summary>
    [ModParam("db_url")] public string DbUrl { get; set; } = "";
    [ModParam("db_table_acc")] public string DbTableAcc { get; set; } = "acc";
    [ModParam("db_table_missed_calls")] public string DbTableMissedCalls { get; set; } = "missed_calls";
    /// <summary><c>column=$pv;column2=$pv2</c>: extra columns of each row (the operator adds them to the tables).</summary>
    [ModParam("db_extra")] public string DbExtra { get; set; } = "";
    /// <summary>Accepted for compatibility: Osprey always writes from a queue off the SIP threads.</summary>
    [ModParam("db_insert_mode")] public int DbInsertMode { get; set; }
    [ModParam("acc_method_column")] public string MethodColumn { get; set; } = "method";
    [ModParam("acc_from_tag_column")] public string FromTagColumn { get; set; } = "from_tag";
    [ModParam("acc_to_tag_column")] public string ToTagColumn { get; set; } = "to_tag";
    [ModParam("acc_callid_column")] public string CallIdColumn { get; set; } = "callid";
    [ModParam("acc_sip_code_column")] public string SipCodeColumn { get; set; } = "sip_code";
    [ModParam("acc_sip_reason_column")] public string SipReasonColumn { get; set; } = "sip_reason";
    [ModParam("acc_time_column")] public string TimeColumn { get; set; } = "time";

    /// <summary>tm, whose final replies drive transaction accounting (set by the module host).</summary>
    public TmModule? Tm { get; set; }

    /// <summary>Rows written to the database, and rows waiting.</summary>
    [Stat("db_written")] public long DbWritten => _writer is null ? 0 : Interlocked.Read(ref _writer.Written);
    [Stat("db_pending")] public long DbPending => _writer?.Pending ?? 0;

    /// <summary>Where lines go (stderr by default).</summary>
    public IAccLogWriter Log { get; set; } = StderrAccLog.Instance;

    /// <summary>
    /// Evaluates a <c>log_extra</c>/<c>db_extra</c> value when the module runs without the script engine
    /// (tests, C# hosts); null falls back to <c>$hdr(Name)</c>, anything else is empty. Under a script the
    /// values are compiled pseudo-variables (<see cref="CompilePvParameters"/>) and this is not used.
    /// </summary>
    public Func<MessageContext, string, string?>? ExtraEvaluator { get; set; }

    /// <summary>Clock for the timestamp field (tests fix it).</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>Binds the pseudo-variables of log_extra, db_extra and the table names (script load).</summary>
    public string? CompilePvParameters(IPvCompiler compiler)
    {
        if (ParseExtra(LogExtra, "log_extra", compiler, out var log) is { } e1) return e1;
        if (ParseExtra(DbExtra, "db_extra", compiler, out var db) is { } e2) return e2;
        var accTable = compiler.CompileFormat(DbTableAcc, out var e3);
        if (accTable is null) return "db_table_acc: " + e3;
        var missedTable = compiler.CompileFormat(DbTableMissedCalls, out var e4);
        if (missedTable is null) return "db_table_missed_calls: " + e4;
        if (_accColumns.Length > 0 && !Names(db).AsSpan().SequenceEqual(Names(_dbExtra)))
        {
            return "db_extra names other columns than at start; restart osprey to change them"; // a reload keeps the running module
        }
        _extra = log;
        _dbExtra = db;
        _accTableFormat = accTable.IsConstant ? null : accTable;
        _missedTableFormat = missedTable.IsConstant ? null : missedTable;
        _compiled = true;
        return null;
    }

    public override string? Init()
    {
        if (!_compiled)
        {
            if (ParseExtra(LogExtra, "log_extra", null, out _extra) is { } e1) return e1;
            if (ParseExtra(DbExtra, "db_extra", null, out _dbExtra) is { } e2) return e2;
        }
        var fixedColumns = new[] { MethodColumn, FromTagColumn, ToTagColumn, CallIdColumn, SipCodeColumn, SipReasonColumn, TimeColumn };
        _accColumns = [.. fixedColumns, .. Names(_dbExtra)];
        _missedColumns = _accColumns;
        if (!string.IsNullOrEmpty(DbUrl))
        {
            if (!Database.TryOpen(DbUrl, out var db, out var why)) return "db_url: " + why;
            if (CheckTables(db) is { } problem)
            {
                db.Dispose();
                return problem;
            }
            _writer = new AccDbWriter(db, line => Log.Write(-1, LogFacility, line));
        }
        else if (DbFlag >= 0 || DbMissedFlag >= 0)
        {
            return "db_flag or db_missed_flag is set but db_url is empty";
        }
        if (Tm is not null && !_hooked)
        {
            Tm.Callbacks.Add(new TmHooks(this)); // once: a reload keeps this instance and its hooks
            _hooked = true;
        }
        return null;
    }

    private static string[] Names(Extra[] extra)
    {
        var names = new string[extra.Length];
        for (int i = 0; i < extra.Length; i++) names[i] = extra[i].Name;
        return names;
    }

    // Start-up check of tables named by constants: Kamailio's version, and every column a row will fill
    // (db_extra columns are the operator's to add; say which ALTER TABLE is missing).
    private string? CheckTables(Database db)
    {
        foreach (var (table, format, version) in new[] { (DbTableAcc, _accTableFormat, 5), (DbTableMissedCalls, _missedTableFormat, 4) })
        {
            if (format is not null) continue; // a name made per record ($time(...)): checked when written
            if (table == DbTableAcc ? DbFlag < 0 : DbMissedFlag < 0) continue; // not written by transactions
            if ((table == "acc" || table == "missed_calls") && db.CheckTableVersion(table, version) is { } bad) return bad;
            IReadOnlyList<string> have;
            try
            {
                have = db.Columns(table);
            }
            catch (DbException ex)
            {
                return "cannot read table '" + table + "' of " + db.Url.Display + ": " + ex.Message + " (create it with: ospreyctl db create)";
            }
            foreach (var col in _accColumns)
            {
                bool found = false;
                foreach (var h in have) found |= string.Equals(h, col, StringComparison.OrdinalIgnoreCase);
                if (!found)
                {
                    return "table '" + table + "' of " + db.Url.Display + " has no column '" + col + "'" +
                           " (db_extra names it; add it, e.g.: ALTER TABLE " + table + " ADD COLUMN " + col + " VARCHAR(64) NOT NULL DEFAULT '')";
                }
            }
        }
        return null;
    }

    private static string? ParseExtra(string text, string param, IPvCompiler? compiler, out Extra[] result)
    {
        result = [];
        var list = new List<Extra>();
        foreach (var item in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (eq <= 0 || eq == item.Length - 1) return param + " item '" + item + "' is not name=$variable";
            string name = item[..eq].Trim(), spec = item[(eq + 1)..].Trim();
            ScriptFormat? f = null;
            if (compiler is not null)
            {
                f = compiler.CompileFormat(spec, out var err);
                if (f is null) return param + " item '" + item + "': " + err;
            }
            list.Add(new Extra(name, spec, f));
        }
        result = [.. list];
        return null;
    }

    /// <summary>Shutdown: every queued accounting row is written before the process ends.</summary>
    public override void Stop()
    {
        var w = _writer;
        if (w is null) return;
        w.Flush(TimeSpan.FromSeconds(30));
        w.Dispose();
        _writer = null;
    }

    public void Dispose() => Stop();

    /// <summary>Waits until every queued database row is written (tests, RPC).</summary>
    public bool WaitDbWritten(TimeSpan timeout) => _writer?.WaitWritten(timeout) ?? true;

    /// <summary><c>acc_log_request(comment)</c>: logs the request now. A comment starting with three digits
    /// gives the code and the rest (blanks skipped) the reason; any other comment is all reason.</summary>
    [Function("acc_log_request", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int AccLogRequest(MessageContext ctx, string comment)
    {
        var (code, reason) = CodeAndReason(comment);
        var m = ctx.Message;
        Write(AccEvent.Request, ctx, code, reason, m.To.Tag);
        return 1;
    }

    /// <summary><c>acc_db_request(comment, table)</c>: a row for the request now, in <paramref name="table"/>.</summary>
    [Function("acc_db_request", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int AccDbRequest(MessageContext ctx, string comment, string table)
    {
        if (_writer is null) return -1;
        var (code, reason) = CodeAndReason(comment);
        Enqueue(table, _accColumns, ctx, code, reason, ctx.Message.To.Tag);
        return 1;
    }

    /// <summary><c>acc_request(comment, table)</c>: a log line and, with db_url, a row.</summary>
    [Function("acc_request", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int AccRequest(MessageContext ctx, string comment, string table)
    {
        AccLogRequest(ctx, comment);
        if (_writer is not null) AccDbRequest(ctx, comment, table);
        return 1;
    }

    private static (string Code, string Reason) CodeAndReason(string comment)
    {
        if (comment.Length >= 3 && char.IsAsciiDigit(comment[0]) && char.IsAsciiDigit(comment[1]) && char.IsAsciiDigit(comment[2]))
        {
            return (comment[..3], comment[3..].TrimStart(' ', '\t'));
        }
        return ("", comment);
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
        bool missed = status >= 300 && m.Method == SipMethod.Invite;
        bool answered = status < 300 || IsSet(requestCtx, FailedTransactionFlag);
        if (missed && IsSet(requestCtx, LogMissedFlag))
        {
            Write(AccEvent.Missed, requestCtx, code, why, toTag);
            lines++;
        }
        if (answered && IsSet(requestCtx, LogFlag))
        {
            Write(AccEvent.Answered, requestCtx, code, why, toTag);
            lines++;
        }
        if (_writer is not null)
        {
            if (missed && IsSet(requestCtx, DbMissedFlag))
            {
                Enqueue(_missedTableFormat?.Format(requestCtx) ?? DbTableMissedCalls, _missedColumns, requestCtx, code, why, toTag);
                lines++;
            }
            if (answered && IsSet(requestCtx, DbFlag))
            {
                Enqueue(_accTableFormat?.Format(requestCtx) ?? DbTableAcc, _accColumns, requestCtx, code, why, toTag);
                lines++;
            }
        }
        return lines;
    }

    /// <summary>With <see cref="ReportAck"/>: tm calls this for the ACK of a 2xx of an accounted INVITE
    /// transaction (the ACK's context; the transaction's flags in <paramref name="transactionFlags"/>).
    /// Kamailio 5.6 (observed) decides by the INVITE transaction's flags — an unflagged ACK of an accounted
    /// call is logged — and logs the code and reason of the 2xx it acknowledges.</summary>
    public bool AccountAck(MessageContext ackCtx, ulong transactionFlags, string code = "", string reason = "")
    {
        if (ReportAck == 0 || ackCtx.Message.Method != SipMethod.Ack) return false;
        if (!IsSet(transactionFlags, LogFlag)) return false;
        Write(AccEvent.Acknowledged, ackCtx, code, reason, ackCtx.Message.To.Tag);
        return true;
    }

    // tm: every branch failed, before the failure route. A missed call is accounted now and its flags
    // reset, as Kamailio does: a failure route that forks again sets them again to account the next
    // attempt too; otherwise the final reply does not account it a second time.
    private void AccountMissed(MessageContext requestCtx, int status, string reason, ReadOnlySpan<byte> replyToTag, bool local)
    {
        var m = requestCtx.Message;
        if (m.Method != SipMethod.Invite || status < 300) return;
        bool log = IsSet(requestCtx, LogMissedFlag), db = _writer is not null && IsSet(requestCtx, DbMissedFlag);
        if (!log && !db) return;
        string code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string why = local || reason.Length == 0 ? ReasonPhrases.For(status) : reason;
        var tag = local || replyToTag.IsEmpty ? m.To.Tag : replyToTag;
        if (log) Write(AccEvent.Missed, requestCtx, code, why, tag);
        if (db) Enqueue(_missedTableFormat?.Format(requestCtx) ?? DbTableMissedCalls, _missedColumns, requestCtx, code, why, tag);
        ulong mask = 0;
        if ((uint)LogMissedFlag <= 63) mask |= 1UL << LogMissedFlag;
        if ((uint)DbMissedFlag <= 63) mask |= 1UL << DbMissedFlag;
        requestCtx.Flags &= ~mask; // the observer's flag changes stay with the transaction
    }

    private static bool IsSet(MessageContext ctx, int flag) => IsSet(ctx.Flags, flag);

    private static bool IsSet(ulong flags, int flag) => (uint)flag <= 63 && (flags & (1UL << flag)) != 0;

    // The row of one event: every value is taken now, from the transaction's request, and queued.
    private void Enqueue(string table, string[] columns, MessageContext ctx, string code, string reason, ReadOnlySpan<byte> toTag)
    {
        var m = ctx.Message;
        bool swap = Swapped(m);
        var fromTag = swap ? toTag : m.From.Tag;
        var to = swap ? m.From.Tag : toTag;
        var method = m.IsRequest ? m.MethodText : m.CSeq.MethodRange.Of(m.Span);
        var values = new object?[columns.Length];
        values[0] = Encoding.UTF8.GetString(method);
        values[1] = Encoding.UTF8.GetString(fromTag);
        values[2] = Encoding.UTF8.GetString(to);
        values[3] = Encoding.UTF8.GetString(m.CallId);
        values[4] = code;
        values[5] = reason.Length > 128 ? reason[..128] : reason;
        values[6] = Clock().UtcDateTime;
        for (int i = 0; i < _dbExtra.Length; i++) values[7 + i] = Evaluate(ctx, _dbExtra[i]);
        _writer!.Enqueue(new AccRow(table, columns, values));
    }

    // detect_direction: a request from the callee names the dialog as the caller created it
    private bool Swapped(SipMessage m) => DetectDirection != 0 && IsUpstream(m);

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
        bool swap = Swapped(m);
        var fromTag = swap ? toTag : m.From.Tag;
        if (swap) toTag = m.From.Tag;
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
        foreach (var x in _extra)
        {
            sb.Append(';').Append(x.Name).Append('=').Append(Evaluate(ctx, x));
        }
        return sb.ToString();
    }

    private string Evaluate(MessageContext ctx, Extra e)
    {
        if (e.Format is { } f) return f.Format(ctx);
        var spec = e.Spec;
        if (ExtraEvaluator?.Invoke(ctx, spec) is { } v) return v;
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

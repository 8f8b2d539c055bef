using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Runtime;

namespace Osprey.Script.CoreFunctions;

/// <summary>The xlog module: log lines with pseudo-variables formatted per message (undefined ones print as &lt;null&gt;).</summary>
[Module("xlog")]
public sealed class XlogModule : ModuleBase
{
    /// <summary>Where lines go; set by the loader from debug/log_stderror.</summary>
    public ScriptLog Log { get; set; } = ScriptLog.Stderr;

    [ModParam("buf_size")] public int BufferSize { get; set; } = 4096;
    [ModParam("force_color")] public int ForceColor { get; set; }
    [ModParam("long_format")] public int LongFormat { get; set; }
    [ModParam("prefix")] public string Prefix { get; set; } = "<script>: ";
    [ModParam("log_facility")] public string Facility { get; set; } = "";
    [ModParam("log_colors")] public string Colors { get; set; } = "";
    [ModParam("methods_filter")] public int MethodsFilter { get; set; } = -1;

    [Function("xlog")]
    public int Xlog(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Err, text, ctx);

    [Function("xlog")]
    public int Xlog(MessageContext ctx, string level, ScriptFormat text)
    {
        var l = ScriptLog.ParseLevel(level) ?? ScriptLog.Err;
        return Write(l, text, ctx);
    }

    [Function("xlog")]
    public int Xlog(MessageContext ctx, string facility, string level, ScriptFormat text) => Xlog(ctx, level, text);

    [Function("xdbg")] public int Xdbg(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Debug, text, ctx);
    [Function("xinfo")] public int Xinfo(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Info, text, ctx);
    [Function("xnotice")] public int Xnotice(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Notice, text, ctx);
    [Function("xwarn")] public int Xwarn(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Warn, text, ctx);
    [Function("xerr")] public int Xerr(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Err, text, ctx);
    [Function("xbug")] public int Xbug(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Bug, text, ctx);
    [Function("xcrit")] public int Xcrit(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Crit, text, ctx);
    [Function("xalert")] public int Xalert(MessageContext ctx, ScriptFormat text) => Write(ScriptLog.Alert, text, ctx);

    private int Write(int level, ScriptFormat text, MessageContext ctx)
    {
        // Format only when the line will be printed: a filtered xdbg costs nothing.
        if (Log.Enabled(level)) Log.Write(level, text.Format(ctx), ctx, Log.WantsCallId ? CallId(ctx) : null);
        return 1;
    }

    private static string? CallId(MessageContext ctx) =>
        ctx.Message is { } m && m.CallId is { Length: > 0 } id ? System.Text.Encoding.UTF8.GetString(id) : null;
}

using Osprey.Core.Logging;

namespace Osprey.Script.Runtime;

/// <summary>
/// Log output of the routing script (xlog, log): Kamailio's levels (ALERT -5 … DEBUG 3), filtered by the
/// <c>debug</c> core parameter, written through the process log (stderr as Kamailio writes it,
/// " 0(pid) LEVEL: &lt;script&gt;: text", syslog or JSON lines).
/// </summary>
public sealed class ScriptLog
{
    public const int Alert = LogLevels.Alert, Bug = LogLevels.Bug, Crit = LogLevels.Crit, Err = LogLevels.Err,
        Warn = LogLevels.Warn, Notice = LogLevels.Notice, Info = LogLevels.Info, Debug = LogLevels.Debug;

    private readonly Logger _logger;

    /// <summary>Lines to <paramref name="writer"/> (tests, tools).</summary>
    public ScriptLog(TextWriter writer, int level = Notice)
        : this(new Logger(new StderrLogSink(writer), LogLevels.Debug), level)
    {
    }

    /// <summary>Lines through <paramref name="logger"/>'s sink (the process log), filtered by this script's own level.</summary>
    public ScriptLog(Logger logger, int level = Notice)
    {
        _logger = logger;
        Level = level;
    }

    public static ScriptLog Stderr { get; } = new(Console.Error, Notice);

    /// <summary>Highest level printed (the <c>debug</c> parameter).</summary>
    public int Level { get; set; }

    /// <summary>Prefix of every line (<c>log_prefix</c>), already formatted.</summary>
    public string Prefix { get; set; } = "";

    /// <summary><c>log_prefix</c> with pseudo-variables, formatted for each line's message; null when static.</summary>
    public Osprey.Core.Modules.ScriptFormat? PrefixFormat { get; set; }

    public static string LevelName(int level) => LogLevels.Name(level);

    public bool Enabled(int level) => level <= (t_threadLevel ?? Level);

    // setdebug(level): the level of the calling worker (Kamailio's is per process; a worker thread is
    // Osprey's process) until resetdebug() — the script's own level otherwise.
    [ThreadStatic] private static int? t_threadLevel;

    /// <summary>setdebug/resetdebug: the calling worker's own log level, or null for the script's.</summary>
    public static int? ThreadLevel
    {
        get => t_threadLevel;
        set => t_threadLevel = value;
    }

    /// <summary>Whether the sink writes the Call-ID (JSON engine with <c>c</c>), so callers fetch it only then.</summary>
    public bool WantsCallId => _logger.Sink.WantsCallId;

    public void Write(int level, string text, string? callId = null)
    {
        if (!Enabled(level)) return;
        _logger.Sink.Write(new LogEntry(level, "script", Prefix, text, callId));
    }

    /// <summary>A line written while <paramref name="ctx"/>'s message is processed: the prefix is formatted for it.</summary>
    public void Write(int level, string text, Osprey.Core.Pipeline.MessageContext ctx, string? callId)
    {
        if (!Enabled(level)) return;
        string prefix = PrefixFormat is not { } f ? Prefix : ctx.Message is not null ? f.Format(ctx) : "";
        _logger.Sink.Write(new LogEntry(level, "script", prefix, text, callId));
    }

    /// <summary>Kamailio level names (L_ERR, L_INFO ...) to numbers; null when unknown.</summary>
    public static int? ParseLevel(string name) => LogLevels.Parse(name);
}

namespace Osprey.Script.Runtime;

/// <summary>
/// Log output of the routing script (xlog, log): Kamailio's levels (ALERT -5 … DEBUG 3), filtered by the
/// <c>debug</c> core parameter, written as Kamailio writes to stderr: " 0(pid) LEVEL: &lt;script&gt;: text".
/// </summary>
public sealed class ScriptLog
{
    public const int Alert = -5, Bug = -4, Crit = -2, Err = -1, Warn = 0, Notice = 1, Info = 2, Debug = 3;

    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    public ScriptLog(TextWriter writer, int level = Notice)
    {
        _writer = writer;
        Level = level;
    }

    public static ScriptLog Stderr { get; } = new(Console.Error, Notice);

    /// <summary>Highest level printed (the <c>debug</c> parameter).</summary>
    public int Level { get; set; }

    /// <summary>Prefix of every line (<c>log_prefix</c>), already formatted.</summary>
    public string Prefix { get; set; } = "";

    public static string LevelName(int level) => level switch
    {
        <= Alert => "ALERT",
        Bug => "BUG",
        -3 or Crit => "CRITICAL",
        Err => "ERROR",
        Warn => "WARNING",
        Notice => "NOTICE",
        Info => "INFO",
        _ => "DEBUG",
    };

    public bool Enabled(int level) => level <= Level;

    public void Write(int level, string text)
    {
        if (!Enabled(level)) return;
        var line = " 0(" + Environment.ProcessId + ") " + LevelName(level) + ": <script>: " + Prefix + text;
        lock (_lock)
        {
            _writer.Write(line);
            if (!text.EndsWith('\n')) _writer.WriteLine();
            _writer.Flush();
        }
    }

    /// <summary>Kamailio level names (L_ERR, L_INFO ...) to numbers; null when unknown.</summary>
    public static int? ParseLevel(string name) => name switch
    {
        "L_ALERT" => Alert,
        "L_BUG" => Bug,
        "L_CRIT" => Crit,
        "L_ERR" => Err,
        "L_WARN" => Warn,
        "L_NOTICE" => Notice,
        "L_INFO" => Info,
        "L_DBG" => Debug,
        _ => int.TryParse(name, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null,
    };
}

namespace Osprey.Core.Logging;

/// <summary>
/// The log of the process: Kamailio's levels filtered by <c>debug</c>, written to a <see cref="LogSink"/>
/// (stderr or syslog, text or JSON). <see cref="Process"/> is what the server and its modules write to; it
/// starts on stderr and is replaced by the server once the configuration is known.
/// </summary>
public sealed class Logger
{
    private volatile LogSink _sink;

    public Logger(LogSink sink, int level = LogLevels.Notice)
    {
        _sink = sink;
        Level = level;
    }

    public static Logger Process { get; set; } = new(new StderrLogSink(Console.Error));

    /// <summary>Highest level written (the <c>debug</c> parameter).</summary>
    public int Level { get; set; }

    /// <summary>The <c>log_prefix</c> text put before every message.</summary>
    public string Prefix { get; set; } = "";

    public LogSink Sink
    {
        get => _sink;
        set => _sink = value;
    }

    public bool Enabled(int level) => level <= Level;

    public void Write(int level, string module, string message, string? callId = null)
    {
        if (level > Level) return;
        _sink.Write(new LogEntry(level, module, Prefix, message, callId));
    }

    public void Error(string module, string message) => Write(LogLevels.Err, module, message);

    public void Warn(string module, string message) => Write(LogLevels.Warn, module, message);

    public void Notice(string module, string message) => Write(LogLevels.Notice, module, message);

    public void Info(string module, string message) => Write(LogLevels.Info, module, message);

    public void Debug(string module, string message) => Write(LogLevels.Debug, module, message);
}

namespace Osprey.Core.Logging;

/// <summary>
/// Log lines on standard error (<c>-E</c>, <c>log_stderror=yes</c>): <c> 0(pid) LEVEL: &lt;module&gt; text</c> as
/// Kamailio prints them, coloured by level with <c>-e</c> (<c>log_color=yes</c>), or Kamailio's JSON documents.
/// </summary>
public sealed class StderrLogSink : LogSink
{
    private readonly TextWriter _writer;
    private readonly bool _colors;
    private readonly JsonLogFormat? _json;
    private readonly Lock _lock = new();
    private readonly string _pidPart = " 0(" + Environment.ProcessId + ") ";

    public StderrLogSink(TextWriter writer, bool colors = false, JsonLogFormat? json = null)
    {
        _writer = writer;
        _colors = colors;
        _json = json;
    }

    /// <summary>ANSI colour of a level: alerts and bugs bold magenta, critical and errors red, warnings
    /// yellow, notices green, info cyan, debug the terminal's own.</summary>
    public static string Color(int level) => level switch
    {
        <= LogLevels.Bug => "\u001b[1;35m",
        -3 or LogLevels.Crit => "\u001b[1;31m",
        LogLevels.Err => "\u001b[31m",
        LogLevels.Warn => "\u001b[33m",
        LogLevels.Notice => "\u001b[32m",
        LogLevels.Info => "\u001b[36m",
        _ => "",
    };

    public override bool WantsCallId => _json?.WantsCallId ?? false;

    public override void Write(in LogEntry entry)
    {
        string line;
        if (_json is not null) line = _json.Format(entry) + (_json.EndOfLine ? "\n" : "");
        else
        {
            line = _pidPart + PlainBody(entry);
            if (_colors && Color(entry.Level) is { Length: > 0 } c) line = c + line + "\u001b[0m";
            line += "\n";
        }
        lock (_lock)
        {
            _writer.Write(line);
            _writer.Flush();
        }
    }
}

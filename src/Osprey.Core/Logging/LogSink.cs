namespace Osprey.Core.Logging;

/// <summary>Where formatted log lines go: standard error or syslog. Implementations are thread-safe.</summary>
public abstract class LogSink : IDisposable
{
    public abstract void Write(in LogEntry entry);

    /// <summary>Whether lines carry the Call-ID (JSON engine with <c>c</c>); writers look it up only then.</summary>
    public virtual bool WantsCallId => false;

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }

    /// <summary>The classic text line after the level, as Kamailio writes it: <c>ERROR: &lt;core&gt; text</c>,
    /// <c>INFO: &lt;script&gt;: text</c> (xlog), <c>WARNING: usrloc: text</c>.</summary>
    public static string PlainBody(in LogEntry e)
    {
        string who = e.Module switch
        {
            "core" => "<core> ",
            "script" => "<script>: ",
            _ => e.Module + ": ",
        };
        return LogLevels.Name(e.Level) + ": " + who + e.Prefix + e.Message.TrimEnd('\n');
    }
}

namespace Osprey.Modules.Acc;

/// <summary>Where acc's log backend writes its lines: a Kamailio log level (-1 err, 0 warn, 1 notice,
/// 2 info, 3 debug), a syslog facility name (<c>LOG_LOCAL0</c>) and the text.</summary>
public interface IAccLogWriter
{
    void Write(int level, string facility, string line);
}

/// <summary>
/// The default writer: the process log (stderr or syslog, as the server is configured), at acc's
/// <c>log_level</c>. The syslog facility is the core's <c>log_facility</c>; acc's own is not applied.
/// </summary>
internal sealed class StderrAccLog : IAccLogWriter
{
    public static readonly StderrAccLog Instance = new();

    public void Write(int level, string facility, string line) => Osprey.Core.Logging.Logger.Process.Write(level, "acc", line);
}

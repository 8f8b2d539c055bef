namespace Osprey.Modules.Acc;

/// <summary>Where acc's log backend writes its lines: a Kamailio log level (-1 err, 0 warn, 1 notice,
/// 2 info, 3 debug), a syslog facility name (<c>LOG_LOCAL0</c>) and the text.</summary>
public interface IAccLogWriter
{
    void Write(int level, string facility, string line);
}

/// <summary>
/// The default writer: standard error, with Kamailio's level names, until the core's logger (stderr or
/// syslog, the compiler colleague's) exists; then <see cref="Acc.Log"/> is pointed at it.
/// </summary>
internal sealed class StderrAccLog : IAccLogWriter
{
    public static readonly StderrAccLog Instance = new();

    public void Write(int level, string facility, string line)
    {
        string name = level switch
        {
            <= -1 => "ERROR",
            0 => "WARNING",
            1 => "NOTICE",
            2 => "INFO",
            _ => "DEBUG",
        };
        Console.Error.WriteLine(name + ": acc: " + line);
    }
}

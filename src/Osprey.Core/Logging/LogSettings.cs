namespace Osprey.Core.Logging;

/// <summary>
/// How the process logs, from the core parameters (<c>debug</c>, <c>log_stderror</c>, <c>log_facility</c>,
/// <c>log_prefix</c>, <c>log_name</c>, <c>log_color</c>, <c>log_engine_type</c>, <c>log_engine_data</c>) and
/// the command line (<c>-E</c>, <c>-e</c>, <c>-d</c>, <c>--log-engine</c>), with Kamailio's defaults: syslog
/// facility LOG_DAEMON, level 0 (warnings and worse).
/// </summary>
public sealed class LogSettings
{
    public int Level { get; set; } = LogLevels.Warn;
    public bool Stderr { get; set; }
    public bool Colors { get; set; }
    public string Facility { get; set; } = "LOG_DAEMON";
    public string Prefix { get; set; } = "";
    public string Name { get; set; } = "osprey";

    /// <summary><c>json</c> for Kamailio's JSON log engine; null for the classic text lines.</summary>
    public string? EngineType { get; set; }
    public string? EngineData { get; set; }
    public string SyslogPath { get; set; } = SyslogSink.DefaultPath;
    public SyslogFormat SyslogFormat { get; set; } = SyslogFormat.Rfc3164;

    /// <summary>Problems a user can fix: an unknown facility or engine; the sink still works.</summary>
    public string? Validate()
    {
        if (LogLevels.ParseFacility(Facility) is null) return "log_facility \"" + Facility + "\" is not a syslog facility (LOG_DAEMON, LOG_LOCAL0 ... LOG_LOCAL7, ...); LOG_DAEMON is used";
        if (EngineType is not null and not "json" and not "") return "log_engine_type \"" + EngineType + "\" is not known (json is); plain text lines are written";
        return null;
    }

    /// <summary>The sink these settings describe. When syslog is chosen but its socket cannot be reached
    /// (a container without /dev/log), lines go to stderr and <paramref name="warning"/> says so.</summary>
    public LogSink CreateSink(TextWriter stderr, out string? warning)
    {
        warning = Validate();
        var json = EngineType == "json" ? new JsonLogFormat(EngineData) : null;
        if (Stderr) return new StderrLogSink(stderr, Colors, json);
        var syslog = new SyslogSink(SyslogPath, LogLevels.ParseFacility(Facility) ?? 3, Name, SyslogFormat, json);
        if (syslog.TryConnect() is { } why)
        {
            syslog.Dispose();
            warning = (warning is null ? "" : warning + "; ") + why + "; logging to stderr";
            return new StderrLogSink(stderr, Colors, json);
        }
        return syslog;
    }

    /// <summary>The configured logger.</summary>
    public Logger CreateLogger(TextWriter stderr, out string? warning) =>
        new(CreateSink(stderr, out warning), Level) { Prefix = Prefix };
}

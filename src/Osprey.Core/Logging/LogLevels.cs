namespace Osprey.Core.Logging;

/// <summary>
/// Kamailio's log levels (the numbers of the <c>debug</c> parameter and of xlog's <c>L_*</c> names) and
/// how they map to syslog severities (RFC 5424 §6.2.1).
/// </summary>
public static class LogLevels
{
    public const int Alert = -5, Bug = -4, Crit = -2, Err = -1, Warn = 0, Notice = 1, Info = 2, Debug = 3;

    public static string Name(int level) => level switch
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

    /// <summary>Kamailio level names (L_ERR, L_INFO ...) or numbers; null when unknown.</summary>
    public static int? Parse(string name) => name switch
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

    /// <summary>Syslog severity: 1 alert, 2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug.</summary>
    public static int SyslogSeverity(int level) => level switch
    {
        <= Alert => 1,
        >= Bug and <= Crit => 2,
        Err => 3,
        Warn => 4,
        Notice => 5,
        Info => 6,
        _ => 7,
    };

    /// <summary>A syslog facility name as Kamailio's <c>log_facility</c> takes it (<c>LOG_LOCAL0</c>,
    /// <c>LOG_DAEMON</c>, also without the <c>LOG_</c> prefix and in any case) to its number (RFC 5424 §6.2.1).</summary>
    public static int? ParseFacility(string name)
    {
        var n = name.Trim().ToUpperInvariant();
        if (n.StartsWith("LOG_", StringComparison.Ordinal)) n = n[4..];
        return n switch
        {
            "KERN" => 0,
            "USER" => 1,
            "MAIL" => 2,
            "DAEMON" => 3,
            "AUTH" => 4,
            "SYSLOG" => 5,
            "LPR" => 6,
            "NEWS" => 7,
            "UUCP" => 8,
            "CRON" => 9,
            "AUTHPRIV" => 10,
            "FTP" => 11,
            "LOCAL0" => 16,
            "LOCAL1" => 17,
            "LOCAL2" => 18,
            "LOCAL3" => 19,
            "LOCAL4" => 20,
            "LOCAL5" => 21,
            "LOCAL6" => 22,
            "LOCAL7" => 23,
            _ => null,
        };
    }
}

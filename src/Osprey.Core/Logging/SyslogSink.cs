using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Osprey.Core.Logging;

/// <summary>The message format on the syslog socket.</summary>
public enum SyslogFormat
{
    /// <summary>BSD syslog, RFC 3164 §4.1, as the C library's syslog() writes to /dev/log:
    /// <c>&lt;PRI&gt;Mmm dd hh:mm:ss TAG[pid]: MSG</c>.</summary>
    Rfc3164,

    /// <summary>RFC 5424 §6: <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG</c>.</summary>
    Rfc5424,
}

/// <summary>
/// Syslog (Kamailio's default when not <c>-E</c>): each line is one datagram on the local syslog socket
/// (<c>/dev/log</c>), with the <c>log_facility</c> and the level's severity in PRI and <c>log_name</c> as the
/// tag. The socket is connected lazily and reconnected once when the syslog daemon restarted; a line
/// that still cannot be sent is dropped rather than blocking SIP processing for long.
/// </summary>
public sealed class SyslogSink : LogSink
{
    public const string DefaultPath = "/dev/log";

    private readonly string _path;
    private readonly int _facility;
    private readonly string _name;
    private readonly SyslogFormat _format;
    private readonly JsonLogFormat? _json;
    private readonly Lock _lock = new();
    private readonly string _host = Environment.MachineName;
    private Socket? _socket;

    public SyslogSink(string path, int facility, string name, SyslogFormat format = SyslogFormat.Rfc3164, JsonLogFormat? json = null)
    {
        _path = path;
        _facility = facility;
        _name = name;
        _format = format;
        _json = json;
    }

    /// <summary>Opens the socket now; null when it works, else why not (the caller falls back to stderr).</summary>
    public string? TryConnect()
    {
        lock (_lock) return Connect();
    }

    private string? Connect()
    {
        _socket?.Dispose();
        _socket = null;
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 200 };
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(_path));
            _socket = s;
            return null;
        }
        catch (SocketException ex)
        {
            s.Dispose();
            return "cannot connect to the syslog socket " + _path + ": " + ex.Message;
        }
    }

    public string Format(in LogEntry entry, DateTimeOffset now)
    {
        int pri = _facility * 8 + LogLevels.SyslogSeverity(entry.Level);
        string body = _json is not null ? _json.Format(entry) : PlainBody(entry);
        var sb = new StringBuilder(body.Length + 64);
        sb.Append('<').Append(pri.ToString(CultureInfo.InvariantCulture)).Append('>');
        if (_format == SyslogFormat.Rfc5424)
        {
            sb.Append("1 ").Append(now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture))
              .Append(' ').Append(_host).Append(' ').Append(_name).Append(' ')
              .Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).Append(" - - ").Append(body);
        }
        else
        {
            // RFC 3164 §4.1.2: "Mmm dd hh:mm:ss", the day padded with a space.
            var local = now.ToLocalTime();
            sb.Append(local.ToString("MMM", CultureInfo.InvariantCulture)).Append(' ')
              .Append(local.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)).Append(' ')
              .Append(local.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append(' ')
              .Append(_name).Append('[').Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).Append("]: ").Append(body);
        }
        return sb.ToString();
    }

    public override bool WantsCallId => _json?.WantsCallId ?? false;

    public override void Write(in LogEntry entry)
    {
        var bytes = Encoding.UTF8.GetBytes(Format(entry, DateTimeOffset.Now));
        lock (_lock)
        {
            for (int attempt = 0; attempt < 2; attempt++)
            {
                if (_socket is null && Connect() is not null) return;
                try
                {
                    _socket!.Send(bytes);
                    return;
                }
                catch (SocketException)
                {
                    _socket?.Dispose();
                    _socket = null;
                }
            }
        }
    }

    public override void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
            _socket = null;
        }
        base.Dispose();
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Osprey.Core.Logging;

namespace Osprey.Core.Tests.Logging;

/// <summary>
/// The process log: syslog datagrams as a syslog daemon receives them on /dev/log (a socket the test
/// binds stands in for it), Kamailio's JSON documents, coloured stderr lines.
/// </summary>
public sealed partial class LoggingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"^<(\d+)>(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ 1-3]\d) (\d\d:\d\d:\d\d) ([^\[\s]+)\[(\d+)\]: (.*)$", RegexOptions.Singleline)]
    private static partial Regex Rfc3164();

    [GeneratedRegex(@"^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) (\S+) (\S+) (\d+) - - (.*)$", RegexOptions.Singleline)]
    private static partial Regex Rfc5424();

    private (Socket Server, string Path) FakeDevLog()
    {
        string path = Path.Combine(_dir, "log");
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        s.ReceiveTimeout = 10000;
        return (s, path);
    }

    private static string Receive(Socket s)
    {
        var buf = new byte[65536];
        int n = s.Receive(buf);
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    [Fact]
    public void Syslog_lines_are_RFC_3164_with_facility_severity_and_the_log_name()
    {
        var (server, path) = FakeDevLog();
        using var owned = server;
        var settings = new LogSettings { Facility = "LOG_LOCAL3", Name = "myproxy", SyslogPath = path, Level = LogLevels.Info };
        var logger = settings.CreateLogger(TextWriter.Null, out var warning);
        Assert.Null(warning);
        Assert.IsType<SyslogSink>(logger.Sink);

        logger.Error("core", "cannot bind");
        var m = Rfc3164().Match(Receive(server));
        Assert.True(m.Success);
        Assert.Equal(19 * 8 + 3, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)); // local3.err
        Assert.Equal("myproxy", m.Groups[5].Value);
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), m.Groups[6].Value);
        Assert.Equal("ERROR: <core> cannot bind", m.Groups[7].Value);
        var stamp = DateTime.ParseExact(m.Groups[2].Value + " " + m.Groups[3].Value.Trim() + " " + m.Groups[4].Value, "MMM d HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.True(Math.Abs((stamp - DateTime.Now).TotalDays) < 2);

        logger.Info("usrloc", "contact expired");
        m = Rfc3164().Match(Receive(server));
        Assert.Equal(19 * 8 + 6, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal("INFO: usrloc: contact expired", m.Groups[7].Value);

        // Above the level: nothing is sent; the next datagram is the warning.
        logger.Debug("core", "not wanted");
        logger.Warn("core", "wanted");
        m = Rfc3164().Match(Receive(server));
        Assert.Equal(19 * 8 + 4, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.EndsWith("wanted", m.Groups[7].Value);
        Assert.DoesNotContain("not", m.Groups[7].Value);
        logger.Sink.Dispose();
    }

    [Fact]
    public void Syslog_RFC_5424_and_the_default_daemon_facility()
    {
        var (server, path) = FakeDevLog();
        using var owned = server;
        var settings = new LogSettings { SyslogPath = path, SyslogFormat = SyslogFormat.Rfc5424 };
        var logger = settings.CreateLogger(TextWriter.Null, out _);
        logger.Write(LogLevels.Alert, "core", "out of memory");
        var m = Rfc5424().Match(Receive(server));
        Assert.True(m.Success);
        Assert.Equal(3 * 8 + 1, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)); // daemon.alert
        Assert.True(DateTimeOffset.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Equal("osprey", m.Groups[4].Value);
        Assert.Equal("ALERT: <core> out of memory", m.Groups[6].Value);
        logger.Sink.Dispose();
    }

    [Fact]
    public void The_syslog_daemon_restarting_does_not_lose_later_lines()
    {
        var (server, path) = FakeDevLog();
        var logger = new LogSettings { SyslogPath = path }.CreateLogger(TextWriter.Null, out _);
        logger.Warn("core", "one");
        Assert.Contains("one", Receive(server));
        server.Dispose();
        File.Delete(path);
        logger.Warn("core", "lost"); // nobody listens: dropped, no exception
        var (again, _) = FakeDevLog();
        using var __ = again;
        logger.Warn("core", "two");
        Assert.EndsWith("WARNING: <core> two", Receive(again));
        logger.Sink.Dispose();
    }

    [Fact]
    public void Without_a_syslog_socket_lines_go_to_stderr_and_say_why()
    {
        var err = new StringWriter();
        var logger = new LogSettings { SyslogPath = Path.Combine(_dir, "nothing-here") }.CreateLogger(err, out var warning);
        Assert.NotNull(warning);
        Assert.Contains("nothing-here", warning);
        logger.Error("core", "still seen");
        Assert.Equal(" 0(" + Environment.ProcessId + ") ERROR: <core> still seen\n", err.ToString());
    }

    [Fact]
    public void Json_documents_have_Kamailio_fields()
    {
        var err = new StringWriter();
        var logger = new LogSettings { Stderr = true, EngineType = "json", Prefix = "P ", Level = LogLevels.Debug }.CreateLogger(err, out _);
        logger.Write(LogLevels.Info, "script", "hello \"you\"\n");
        logger.Write(LogLevels.Err, "usrloc", "db down");
        var lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var a = JsonDocument.Parse(lines[0]);
        var r = a.RootElement;
        Assert.Equal(Environment.ProcessId, r.GetProperty("pid").GetInt32());
        Assert.Equal("INFO", r.GetProperty("level").GetString());
        Assert.Equal("xlog", r.GetProperty("module").GetString());
        Assert.Equal("P ", r.GetProperty("logprefix").GetString());
        Assert.Equal("hello \"you\"\n", r.GetProperty("message").GetString()); // without M the end of line stays
        foreach (var f in new[] { "idx", "file", "line", "function" }) Assert.True(r.TryGetProperty(f, out _), f);
        using var b = JsonDocument.Parse(lines[1]);
        Assert.Equal("ERROR", b.RootElement.GetProperty("level").GetString());
        Assert.Equal("usrloc", b.RootElement.GetProperty("module").GetString());
    }

    [Fact]
    public void Json_data_flags_change_the_document()
    {
        var fmt = new JsonLogFormat("MAcj");
        using var doc = JsonDocument.Parse(fmt.Format(new LogEntry(LogLevels.Notice, "core", "pfx", "{\"event\": \"start\"}\n", "abc@host")));
        var r = doc.RootElement;
        Assert.False(r.TryGetProperty("logprefix", out _)); // A
        Assert.Equal("abc@host", r.GetProperty("callid").GetString()); // c
        Assert.Equal("start", r.GetProperty("message").GetProperty("event").GetString()); // j keeps an object as one
        using var text = JsonDocument.Parse(fmt.Format(new LogEntry(LogLevels.Notice, "core", "", "plain\n")));
        Assert.Equal("plain", text.RootElement.GetProperty("message").GetProperty("text").GetString()); // j wraps, M strips
        Assert.True(fmt.EndOfLine);
        Assert.False(new JsonLogFormat("N").EndOfLine);

        var raw = new JsonLogFormat("p");
        using var p = JsonDocument.Parse(raw.Format(new LogEntry(LogLevels.Notice, "core", ", \"node\": \"edge1\"", "x")));
        Assert.Equal("edge1", p.RootElement.GetProperty("node").GetString());
    }

    [Fact]
    public void Colours_mark_the_level_on_stderr()
    {
        var err = new StringWriter();
        var logger = new Logger(new StderrLogSink(err, colors: true), LogLevels.Debug);
        logger.Error("core", "red");
        logger.Debug("core", "plain");
        var lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("\u001b[31m 0(" + Environment.ProcessId + ") ERROR: <core> red\u001b[0m", lines[0]);
        Assert.Equal(" 0(" + Environment.ProcessId + ") DEBUG: <core> plain", lines[1]);
        Assert.NotEqual(StderrLogSink.Color(LogLevels.Warn), StderrLogSink.Color(LogLevels.Err));
    }

    [Theory]
    [InlineData("LOG_DAEMON", 3)]
    [InlineData("LOG_LOCAL0", 16)]
    [InlineData("local7", 23)]
    [InlineData("LOG_USER", 1)]
    public void Facilities_are_syslog_numbers(string name, int code) => Assert.Equal(code, LogLevels.ParseFacility(name));

    [Fact]
    public void An_unknown_facility_or_engine_is_reported()
    {
        Assert.Contains("LOG_NOPE", new LogSettings { Facility = "LOG_NOPE" }.Validate());
        Assert.Contains("xml", new LogSettings { EngineType = "xml" }.Validate());
        Assert.Null(new LogSettings().Validate());
    }
}

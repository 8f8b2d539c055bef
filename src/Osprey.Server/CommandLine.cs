namespace Osprey.Server;

/// <summary>
/// The osprey command line, Kamailio-compatible where it makes sense (<c>kamailio -h</c>): short
/// options, repeated <c>-l</c> and <c>-A</c>, <c>-DD</c>. Parsing errors are values with a message.
/// </summary>
internal sealed class CommandLine
{
    public string? ConfigFile { get; private set; }
    public bool CheckOnly { get; private set; }
    public bool CfgPrint { get; private set; }
    public Dictionary<string, string?> Defines { get; } = new(StringComparer.Ordinal);
    public List<string> Listen { get; } = [];
    public List<string> Aliases { get; } = [];
    public int Workers { get; private set; }
    public bool LogStderr { get; private set; }
    public bool LogColors { get; private set; }
    /// <summary><c>--log-engine=json[:DATA]</c>: the engine type and its data.</summary>
    public string? LogEngineType { get; private set; }
    public string? LogEngineData { get; private set; }
    public string? SyslogSocket { get; private set; }
    public Osprey.Core.Logging.SyslogFormat? SyslogFormat { get; private set; }
    /// <summary><c>-u</c>/<c>-g</c>: user and group to run as once the sockets are open.</summary>
    public string? User { get; private set; }
    public string? Group { get; private set; }
    /// <summary>How many times <c>-d</c> was given: each raises the configured debug level by one.</summary>
    public int DebugRaise { get; private set; }
    public string? PidFile { get; private set; }
    public string? NextHop { get; private set; }

    /// <summary>Run the built-in stateless routing instead of the embedded default configuration.</summary>
    public bool Builtin { get; private set; }
    public int MaxMessageSize { get; private set; }
    public int UdpReceiveBuffer { get; private set; } = 2 * 1024 * 1024;
    /// <summary><c>--udp-receive-batch</c>: datagrams per receive call on Linux; 0 keeps the default.</summary>
    public int UdpReceiveBatch { get; private set; }
    public bool OversizeDrop { get; private set; }
    public bool ShowVersion { get; private set; }
    public bool DumpRpcDocs { get; private set; }
    public bool DumpStatsDocs { get; private set; }
    public string? UpdateDocs { get; private set; }
    public bool ShowHelp { get; private set; }
    public int ForegroundLevel { get; private set; }

    public static CommandLine? Parse(string[] args, out string? error)
    {
        var c = new CommandLine();
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            string? Next()
            {
                if (i + 1 < args.Length) return args[++i];
                return null;
            }
            switch (a)
            {
                case "-f": c.ConfigFile = Next(); if (c.ConfigFile is null) return Fail(out error, "-f needs a file"); break;
                case "-c": c.CheckOnly = true; break;
                case "--cfg-print": c.CfgPrint = true; break;
                case "-A":
                    var d = Next();
                    if (d is null) return Fail(out error, "-A needs NAME[=value]");
                    int eq = d.IndexOf('=', StringComparison.Ordinal);
                    if (eq < 0) c.Defines[d] = null; else c.Defines[d[..eq]] = d[(eq + 1)..];
                    break;
                case "-l":
                    var l = Next();
                    if (l is null) return Fail(out error, "-l needs an address, e.g. udp:127.0.0.1:5060");
                    c.Listen.Add(l);
                    break;
                case "-a":
                    var al = Next();
                    if (al is null) return Fail(out error, "-a needs an alias name");
                    c.Aliases.Add(al);
                    break;
                case "--next-hop":
                    c.NextHop = Next();
                    if (c.NextHop is null) return Fail(out error, "--next-hop needs a SIP URI");
                    c.Builtin = true;
                    break;
                case "--builtin": c.Builtin = true; break;
                case "-b":
                    if (!int.TryParse(Next(), out var rb) || rb < 0) return Fail(out error, "-b needs a buffer size in bytes");
                    c.UdpReceiveBuffer = rb;
                    break;
                case "--udp-receive-batch":
                    if (!int.TryParse(Next(), out var urb) || urb < 1 || urb > 1024) return Fail(out error, "--udp-receive-batch needs a number of datagrams from 1 to 1024");
                    c.UdpReceiveBatch = urb;
                    break;
                case "--max-message-size":
                    if (!int.TryParse(Next(), out var mms) || mms < 512) return Fail(out error, "--max-message-size needs a number of bytes >= 512");
                    c.MaxMessageSize = mms;
                    break;
                case "--oversize":
                    var ov = Next();
                    if (ov is not ("drop" or "513")) return Fail(out error, "--oversize takes 'drop' or '513'");
                    c.OversizeDrop = ov == "drop";
                    break;
                case "-n":
                    if (!int.TryParse(Next(), out var n) || n < 1) return Fail(out error, "-n needs a positive number of workers");
                    c.Workers = n;
                    break;
                case "-P": c.PidFile = Next(); if (c.PidFile is null) return Fail(out error, "-P needs a file"); break;
                case "-E": c.LogStderr = true; break;
                case "-e": c.LogColors = true; break;
                case "-u": c.User = Next(); if (c.User is null) return Fail(out error, "-u needs a user name or uid"); break;
                case "-g": c.Group = Next(); if (c.Group is null) return Fail(out error, "-g needs a group name or gid"); break;
                case "--syslog-socket": c.SyslogSocket = Next(); if (c.SyslogSocket is null) return Fail(out error, "--syslog-socket needs a path"); break;
                case "--syslog-format":
                    var sf = Next();
                    if (sf is not ("3164" or "5424")) return Fail(out error, "--syslog-format takes 3164 or 5424");
                    c.SyslogFormat = sf == "5424" ? Osprey.Core.Logging.SyslogFormat.Rfc5424 : Osprey.Core.Logging.SyslogFormat.Rfc3164;
                    break;
                case "--log-engine":
                    if (!c.SetLogEngine(Next(), out error)) return null;
                    break;
                case var le when le.StartsWith("--log-engine=", StringComparison.Ordinal):
                    if (!c.SetLogEngine(le["--log-engine=".Length..], out error)) return null;
                    break;
                case "-D": c.ForegroundLevel = Math.Max(c.ForegroundLevel, 1); break;
                case "-DD": c.ForegroundLevel = 2; break;
                case var dd when dd.Length >= 2 && dd[0] == '-' && dd.AsSpan(1).IndexOfAnyExcept('d') < 0: c.DebugRaise += dd.Length - 1; break;
                case "-m" or "-M":
                    // Kamailio's shared/private memory sizes: .NET manages its heap, nothing to size.
                    if (Next() is null) return Fail(out error, a + " needs a size");
                    break;
                case "-L": if (Next() is null) return Fail(out error, "-L needs a path"); break; // modules are built in
                case "-v" or "-V" or "--version": c.ShowVersion = true; break;
                case "--dump-rpc-docs": c.DumpRpcDocs = true; break;
                case "--dump-stats-docs": c.DumpStatsDocs = true; break;
                case "--update-docs": c.UpdateDocs = Next(); if (c.UpdateDocs is null) return Fail(out error, "--update-docs needs the docs directory"); break;
                case "-h" or "--help": c.ShowHelp = true; break;
                default:
                    return Fail(out error, "unknown option '" + a + "' (see osprey -h)");
            }
        }
        return c;
    }

    private bool SetLogEngine(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "--log-engine needs a name, e.g. json or json:M";
            return false;
        }
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        LogEngineType = colon < 0 ? value : value[..colon];
        LogEngineData = colon < 0 ? null : value[(colon + 1)..];
        if (LogEngineType != "json")
        {
            error = "--log-engine: unknown engine '" + LogEngineType + "' (json is available)";
            return false;
        }
        return true;
    }

    private static CommandLine? Fail(out string? error, string message)
    {
        error = message;
        return null;
    }

    public const string Help = """
        Usage: osprey [options]
          -f FILE       kamailio.cfg-language configuration file
          -c            check the configuration and exit (like kamailio -c)
          --cfg-print   print the preprocessed configuration and exit
          -A NAME[=V]   define NAME for #!ifdef in the configuration (repeatable)
          -l ADDRESS    listen on ADDRESS: [proto:]addr[:port], e.g. udp:127.0.0.1:5060 (repeatable)
          -a NAME       alias: a host name that counts as this server (repeatable)
          -n N          number of UDP receive loops per socket (Kamailio's children)
          --builtin     run the built-in stateless routing instead of the default configuration
          --next-hop U  built-in routing: forward every request not for this server to SIP URI U
          --max-message-size N   largest message accepted (default 65535)
          --oversize drop|513    what to do with a larger datagram (default: answer 513)
          -b BYTES      UDP socket receive buffer (default 2097152; capped by net.core.rmem_max)
          --udp-receive-batch N  datagrams a UDP receive loop takes per system call (Linux recvmmsg;
                        default 16, 1 = one at a time)
          -P FILE       write the process id to FILE (removed at shutdown)
          -E            log to stderr (else syslog, as log_stderror=no)
          -e            colour log lines on stderr by level
          -d            more logging (repeatable; raises the debug level)
          --log-engine=json[:DATA]   JSON log lines as Kamailio's log_engine_type="json"
          --syslog-socket PATH       syslog socket (default /dev/log)
          --syslog-format 3164|5424  syslog message format (default 3164, as the C library writes)
          -u USER       run as USER (name or uid) once the sockets are open
          -g GROUP      run as GROUP (name or gid) once the sockets are open
          -D, -DD       stay in the foreground (osprey always does)
          -m, -M SIZE   accepted for Kamailio compatibility; .NET manages memory itself
          -L PATH       accepted for Kamailio compatibility; modules are built in
          -V            print version and exit
          --dump-rpc-docs     print the RPC command reference (markdown) from the registry
          --dump-stats-docs   print the statistics/metrics reference (markdown) from the registry
          --update-docs DIR   rewrite the generated sections of DIR/rpc.md and DIR/metrics.md
          -h            this help
        Without -f, osprey runs its embedded default configuration (examples/osprey.cfg in the source:
        a registrar and stateful proxy with digest authentication; add users with
        `ospreyctl add alice secret`; its SQLite database is $OSPREY_DB_URL, /var/lib/osprey/osprey.db
        when writable, else ~/.local/share/osprey/osprey.db, or -A DBURL='"db_url"').
        With --builtin (or --next-hop) it runs a minimal stateless routing instead: OPTIONS to the
        server get 200, requests for other hosts are forwarded statelessly, other requests to the
        server get 404.
        """;
}

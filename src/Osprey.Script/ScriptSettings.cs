using Osprey.Core;
using Osprey.Core.Dns;
using Osprey.Core.Modules;
using Osprey.Script.Ast;

namespace Osprey.Script;

/// <summary>A <c>listen=</c> socket: [proto:]host[:port] [advertise host[:port]] [name "x"]. Protocol null
/// means every enabled transport; Port 0 means the <c>port=</c> parameter (default 5060).</summary>
public sealed record ListenSpec(string? Protocol, string Host, int Port, string? Advertise, string? Name);

/// <summary>The core parameters a config declares, as typed values (defaults are Kamailio's).</summary>
public sealed class ScriptSettings
{
    private readonly Dictionary<string, List<PvValue>> _raw = new(StringComparer.Ordinal);

    public IReadOnlyList<ListenSpec> Listen { get; private set; } = [];
    public IReadOnlyList<string> Aliases { get; private set; } = [];
    public int Port { get; private set; } = 5060;
    public int Children { get; private set; } = 8;
    /// <summary>Log level (<c>debug</c>); Kamailio's built-in default is 0 (L_WARN).</summary>
    public int Debug { get; private set; }
    public bool LogStderror { get; private set; }
    public bool Fork { get; private set; } = true;
    public string? LogPrefix { get; private set; }
    public string LogFacility { get; private set; } = "LOG_DAEMON";
    /// <summary>Syslog tag (<c>log_name</c>); null: the program's name.</summary>
    public string? LogName { get; private set; }
    public bool LogColor { get; private set; }
    /// <summary><c>log_engine_type</c> (<c>json</c>) and <c>log_engine_data</c> (its flags).</summary>
    public string? LogEngineType { get; private set; }
    public string? LogEngineData { get; private set; }
    public int TcpConnectionLifetime { get; private set; } = 120;
    public int TcpMaxConnections { get; private set; } = 2048;
    /// <summary>Open files the process must be allowed (<c>open_files_limit</c>), 0 when not set.</summary>
    public int OpenFilesLimit { get; private set; }
    public int TcpChildren { get; private set; }
    public bool DisableTcp { get; private set; }
    public bool EnableTls { get; private set; }
    public bool TcpAcceptNoContentLength { get; private set; }
    /// <summary>Largest SIP message (Kamailio's fixed BUF_SIZE; no parameter changes it).</summary>
    public int MaxMessageSize { get; private set; } = 65535;

    /// <summary>Largest socket receive buffer to try (<c>maxbuffer</c>), 0 when not set.</summary>
    public int MaxBuffer { get; private set; }
    public int MaxWhileLoops { get; private set; } = 100;
    public bool ForceRport { get; private set; }
    public string? ServerHeader { get; private set; }

    /// <summary><c>server_signature</c>: false leaves the Server header out of locally generated replies.</summary>
    public bool ServerSignature { get; private set; } = true;
    public string? UserAgentHeader { get; private set; }
    public string? AdvertisedAddress { get; private set; }
    public int AdvertisedPort { get; private set; }
    public int ServerId { get; private set; }

    /// <summary>Every core parameter as written (repeated ones keep every value).</summary>
    public IReadOnlyList<PvValue> Raw(string name) => _raw.TryGetValue(name, out var l) ? l : [];

    /// <summary>Copies what the pipeline honours into its settings.</summary>
    public void ApplyTo(CoreSettings core)
    {
        foreach (var a in Aliases) if (!core.Aliases.Contains(a)) core.Aliases.Add(a);
        core.MaxMessageSize = MaxMessageSize;
        core.ForceRport = ForceRport;
        if (!ServerSignature) core.ServerHeader = "";
        else if (ServerHeader is not null) core.ServerHeader = ServerHeader;
        // dns_*, use_dst_blocklist, blst_503*: the resolver's options (the config check reported bad values)
        foreach (var name in DnsCoreParameters.Names)
        {
            foreach (var value in Raw(name))
            {
                core.Dns ??= new DnsOptions();
                DnsCoreParameters.TrySet(core.Dns, name, value.ToString(), out _);
            }
        }
    }

    internal static ScriptSettings From(IEnumerable<CoreParam> parameters)
    {
        var s = new ScriptSettings();
        var listen = new List<ListenSpec>();
        var aliases = new List<string>();
        foreach (var p in parameters)
        {
            if (!s._raw.TryGetValue(p.Name, out var list)) s._raw[p.Name] = list = [];
            PvValue v = p.Value switch
            {
                IntParamValue i => PvValue.FromInt(i.Value),
                StringParamValue str => PvValue.FromString(str.Value),
                WordParamValue w => Word(w.Value),
                SocketParamValue sock => PvValue.FromString(string.Join(",", sock.Sockets.Select(x => (x.Protocol is null ? "" : x.Protocol + ":") + x.Host + (x.Port is null ? "" : ":" + x.Port)))),
                _ => PvValue.Null,
            };
            list.Add(v);
            int n = v.IsInt ? (int)v.Int : 0;
            switch (p.Name)
            {
                case "listen" when p.Value is SocketParamValue sock:
                    foreach (var a in sock.Sockets)
                    {
                        listen.Add(new ListenSpec(a.Protocol?.ToLowerInvariant(), a.Host, a.Port is not null && int.TryParse(a.Port, out var lp) ? lp : 0, sock.Advertise, sock.SocketName));
                    }
                    break;
                case "listen" when v.IsString:
                    listen.Add(ParseListen(v.Str));
                    break;
                case "alias":
                    if (p.Value is SocketParamValue al)
                        foreach (var a in al.Sockets) aliases.Add(a.Port is null ? a.Host : a.Host + ":" + a.Port);
                    else aliases.Add(v.ToString());
                    break;
                case "port": s.Port = n; break;
                case "children": s.Children = n; break;
                case "debug": s.Debug = n; break;
                case "log_stderror" or "log_stderr": s.LogStderror = n != 0; break;
                case "fork": s.Fork = n != 0; break;
                case "log_prefix": s.LogPrefix = v.ToString(); break;
                case "log_facility": s.LogFacility = v.ToString(); break;
                case "log_name": s.LogName = v.ToString(); break;
                case "log_color": s.LogColor = n != 0; break;
                case "log_engine_type": s.LogEngineType = v.ToString(); break;
                case "log_engine_data": s.LogEngineData = v.ToString(); break;
                case "tcp_connection_lifetime": s.TcpConnectionLifetime = n; break;
                case "tcp_max_connections": s.TcpMaxConnections = n; break;
                case "open_files_limit": s.OpenFilesLimit = n; break;
                case "tcp_children": s.TcpChildren = n; break;
                case "disable_tcp": s.DisableTcp = n != 0; break;
                case "enable_tls" or "tls_enable": s.EnableTls = n != 0; break;
                case "tcp_accept_no_cl": s.TcpAcceptNoContentLength = n != 0; break;
                case "maxbuffer": s.MaxBuffer = n; break;
                case "max_while_loops": s.MaxWhileLoops = n; break;
                case "force_rport": s.ForceRport = n != 0; break;
                case "server_header": s.ServerHeader = v.ToString(); break;
                case "server_signature": s.ServerSignature = n != 0; break;
                case "user_agent_header": s.UserAgentHeader = v.ToString(); break;
                case "advertised_address": s.AdvertisedAddress = v.ToString(); break;
                case "advertised_port": s.AdvertisedPort = n; break;
                case "server_id": s.ServerId = n; break;
            }
        }
        s.Listen = listen;
        s.Aliases = aliases;
        return s;
    }

    private static PvValue Word(string w) => w switch
    {
        "yes" or "true" or "on" or "enable" => PvValue.FromInt(1),
        "no" or "false" or "off" or "disable" => PvValue.FromInt(0),
        _ => PvValue.FromString(w),
    };

    private static ListenSpec ParseListen(string text)
    {
        string? proto = null;
        var t = text;
        int c = t.IndexOf(':');
        if (c > 0 && t[..c] is "udp" or "tcp" or "tls" or "sctp" or "ws" or "wss" or "any") { proto = t[..c]; t = t[(c + 1)..]; }
        int port = 0;
        int lc = t.LastIndexOf(':');
        if (lc > 0 && t.IndexOf(']') < lc && int.TryParse(t.AsSpan(lc + 1), out var p)) { port = p; t = t[..lc]; }
        return new ListenSpec(proto, t, port, null, null);
    }
}

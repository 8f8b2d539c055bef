using System.Collections.Frozen;

namespace Osprey.Script.Semantics;

/// <summary>A module function as Kamailio 5.6 exports it.</summary>
internal sealed record ModuleFunction(string Module, string Name, IReadOnlySet<int> Arities, string Note);

/// <summary>
/// Facts about Kamailio 5.6's configuration surface: which module exports each function and
/// pseudo-variable, the core parameters, the modules that exist. Read once from the embedded
/// cfg-surface.tsv (measured on 5.6.3) plus the lists below.
/// </summary>
internal sealed class KamailioSurface
{
    private static readonly Lazy<KamailioSurface> LazyInstance = new(Load);

    public static KamailioSurface Instance => LazyInstance.Value;

    /// <summary>Module name used in the .tsv for functions no 5.6 module exports.</summary>
    public const string Removed = "REMOVED";

    public required FrozenDictionary<string, IReadOnlyList<ModuleFunction>> Functions { get; init; }
    public required FrozenDictionary<string, string> PseudoVariables { get; init; }
    public required FrozenDictionary<string, IReadOnlySet<string>> ModuleParameters { get; init; }

    /// <summary>Modules of Kamailio 5.6 (src/modules), whether or not Debian packages them.</summary>
    public static readonly FrozenSet<string> Modules = new[]
    {
        "acc", "acc_diameter", "acc_json", "acc_radius", "alias_db", "app_jsdt", "app_lua", "app_lua_sr", "app_mono",
        "app_perl", "app_python3", "app_python3s", "app_ruby", "app_ruby_proc", "app_sqlang", "async", "auth", "auth_db",
        "auth_diameter", "auth_ephemeral", "auth_identity", "auth_radius", "auth_xkeys", "avp", "avpops", "benchmark",
        "blst", "call_control", "call_obj", "carrierroute", "cdp", "cdp_avp", "cfg_db", "cfg_rpc", "cfgt", "cfgutils",
        "cnxcc", "corex", "counters", "cplc", "crypto", "ctl", "db2_ldap", "db2_ops", "db_berkeley", "db_cassandra",
        "db_cluster", "db_flatstore", "db_mongodb", "db_mysql", "db_oracle", "db_perlvdb", "db_postgres", "db_redis",
        "db_sqlite", "db_text", "db_unixodbc", "debugger", "dialog", "dialplan", "dispatcher", "diversion", "dlgs",
        "dmq", "dmq_usrloc", "domain", "domainpolicy", "drouting", "enum", "evapi", "evrexec", "exec", "geoip",
        "geoip2", "group", "gzcompress", "h350", "htable", "http_async_client", "http_client", "imc", "ims_auth",
        "ims_charging", "ims_dialog", "ims_diameter_server", "ims_icscf", "ims_ipsec_pcscf", "ims_isc", "ims_ocs",
        "ims_qos", "ims_registrar_pcscf", "ims_registrar_scscf", "ims_usrloc_pcscf", "ims_usrloc_scscf", "ipops",
        "jansson", "janssonrpcc", "json", "jsonrpcc", "jsonrpcs", "kafka", "kazoo", "keepalive", "kemix", "kex",
        "lcr", "ldap", "log_custom", "log_systemd", "lost", "lrkproxy", "lwsc", "mangler", "matrix", "maxfwd",
        "mediaproxy", "memcached", "misc_radius", "mohqueue", "mqtt", "mqueue", "msilo", "msrp", "mtree",
        "nat_traversal", "nathelper", "ndb_cassandra", "ndb_mongodb", "ndb_redis", "nosip", "nsq", "outbound",
        "p_usrloc", "path", "pdb", "pdt", "peering", "permissions", "phonenum", "pike", "pipelimit", "prefix_route",
        "presence", "presence_conference", "presence_dialoginfo", "presence_mwi", "presence_profile",
        "presence_reginfo", "presence_xml", "pua", "pua_bla", "pua_dialoginfo", "pua_json", "pua_reginfo",
        "pua_rpc", "pua_usrloc", "pua_xmpp", "pv", "pv_headers", "qos", "rabbitmq", "ratelimit", "regex",
        "registrar", "rls", "rr", "rtimer", "rtjson", "rtpengine", "rtpproxy", "ruxc", "sanity", "sca", "sctp",
        "sdpops", "seas", "secfilter", "sipcapture", "sipdump", "sipjson", "siprepo", "sipt", "siptrace",
        "siputils", "sl", "slack", "sms", "smsops", "snmpstats", "speeddial", "sqlops", "ss7ops", "sst",
        "statistics", "statsc", "statsd", "stirshaken", "stun", "systemdops", "tcpops", "textops", "textopsx",
        "timer", "tls", "tls_wolfssl", "tlsa", "tmrec", "tm", "tmx", "topoh", "topos", "topos_redis", "tsilo",
        "uac", "uac_redirect", "uid_auth_db", "uid_avp_db", "uid_domain", "uid_gflags", "uid_uri_db", "uri_db",
        "userblocklist", "usrloc", "utils", "uuid", "websocket", "xcap_client", "xcap_server", "xhttp",
        "xhttp_pi", "xhttp_prom", "xhttp_rpc", "xlog", "xmlops", "xmlrpc", "xmpp", "xprint",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Core actions: grammar keywords of the language, not module functions.</summary>
    public static readonly FrozenSet<string> CoreActions = new[]
    {
        "forward", "forward_udp", "forward_tcp", "forward_tls", "forward_sctp", "send", "send_tcp", "log", "error",
        "exec", "setflag", "resetflag", "isflagset", "setavpflag", "resetavpflag", "isavpflagset", "force_rport",
        "add_rport", "add_local_rport", "set_reply_no_connect", "set_reply_close", "set_forward_no_connect",
        "set_forward_close", "rewritehost", "sethost", "seth", "rewritehostport", "sethostport", "sethp",
        "rewritehostporttrans", "sethostporttrans", "sethpt", "rewriteuser", "setuser", "setu", "rewriteuserpass",
        "setuserpass", "setup", "rewriteport", "setport", "setp", "rewriteuri", "seturi", "revert_uri", "prefix",
        "strip", "strip_tail", "userphone", "remove_branch", "clear_branches", "force_send_socket", "force_tcp_alias",
        "set_advertised_address", "set_advertised_port", "udp_mtu_try_proto", "cfg_select", "cfg_reset", "selval",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Core PVs that need no module.</summary>
    public static readonly FrozenSet<string> CorePseudoVariables = new[] { "null", "rc", "retcode", "?" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Core parameters of Kamailio 5.6. Value: true when Osprey will honour it, false when it is
    /// accepted and deliberately ignored (memory/process tuning that has no meaning in .NET).
    /// </summary>
    public static readonly FrozenDictionary<string, bool> CoreParameters = BuildCoreParameters();

    private static FrozenDictionary<string, bool> BuildCoreParameters()
    {
        var honoured = new[]
        {
            "debug", "log_stderror", "log_stderr", "log_facility", "log_prefix", "log_prefix_mode", "log_name", "log_color",
            "children", "tcp_children", "fork", "listen", "port", "alias", "advertised_address", "advertised_port",
            "auto_aliases", "mpath", "loadpath", "enable_tls", "tls_enable", "disable_tcp", "enable_sctp", "disable_sctp",
            "disable_tls", "tcp_connection_lifetime", "tcp_max_connections", "tls_max_connections", "tcp_accept_no_cl",
            "tcp_rd_buf_size", "tcp_connect_timeout", "tcp_send_timeout", "tcp_accept_aliases", "tcp_crlf_ping",
            "tcp_keepalive", "tcp_async", "server_header", "server_signature", "user_agent_header", "sip_warning",
            "max_while_loops", "server_id", "force_rport", "reply_to_via", "dns", "rev_dns", "dns_try_ipv6",
            "dns_try_naptr", "dns_srv_lb", "use_dns_failover", "use_dns_cache", "dns_retr_time", "dns_retr_no",
            "dns_servers_no", "dns_use_search_list", "dns_slow_query_ms", "dns_udp_pref", "dns_tcp_pref", "dns_tls_pref", "dns_sctp_pref",
            "dns_cache_flags", "dns_cache_negative_ttl", "dns_cache_min_ttl", "dns_cache_max_ttl", "dns_cache_mem",
            "dns_cache_gc_interval", "use_dst_blocklist", "dst_blocklist_expire", "dst_blocklist_mem",
            "dst_blocklist_gc_interval", "mhomed", "phone2tel", "xavp_via_params", "xavp_via_fields", "check_via",
            "onsend_route_reply", "received_route_mode", "latency_log", "latency_cfg_log", "latency_limit_action",
            "latency_limit_db", "maxbuffer", "max_recursive_level", "max_branches", "sip_parser_log",
            "sip_parser_mode", "kemi.onsend_route_callback", "async_workers", "udp_mtu", "udp_mtu_try_proto",
            "tos", "pmtu_discovery", "user", "group", "uid", "gid", "chroot", "workdir", "pid_file", "corelog",
            "route_locks_size", "tcp_reuse_port", "tcp_wait_data", "tcp_source_ipv4", "tcp_source_ipv6",
            "tcp_max_fd_no", "tcp_conn_wq_max", "tcp_wq_max", "tcp_linger2", "tcp_defer_accept", "tcp_delayed_ack",
            "tcp_syncnt", "tcp_keepidle", "tcp_keepintvl", "tcp_keepcnt", "tcp_no_connect", "tcp_fd_cache",
            "tcp_buf_write", "tcp_async_wait", "tcp_poll_method", "tcp_msg_data_timeout", "tcp_msg_read_timeout",
            "tcp_clone_rcvbuf", "tcp_script_mode", "http_reply_parse", "stun_allow_stun", "stun_refresh_interval",
            "log_engine_type", "log_engine_data", "server_id", "uri_host_extra_chars", "local_rport", "sql_buffer_size",
            "return_mode", "ip_free_bind", "ipv6_hex_style", "verbose_startup", "status_code_mode", "modparam_check",
            "open_files_limit",
        };
        var ignored = new[]
        {
            "memdbg", "memlog", "mem_join", "mem_safety", "mem_summary", "mem_status_mode", "shm_force_alloc",
            "mlock_pages", "real_time", "rt_prio", "rt_policy", "rt_timer1_prio", "rt_timer1_policy", "rt_timer2_prio",
            "rt_timer2_policy", "shm_mem_size", "pkg_mem_size", "wdir", "sock_mode", "sock_user",
            "sock_group", "disable_core_dump", "dns_cache_init", "dns_cache_del_nonexp", "dns_cache_rec_pref",
            "dns_naptr_ignore_rfc", "dns_search_full_match", "tcp_poll_method", "socket_workers", "auto_bind_ipv6",
            "mcast_loopback", "mcast_ttl", "mcast", "tcp_clone_rcvbuf", "poll_method",
        };
        var d = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var n in honoured) d[n] = true;
        foreach (var n in ignored) d[n] = false;
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static KamailioSurface Load()
    {
        using var stream = typeof(KamailioSurface).Assembly.GetManifestResourceStream("Osprey.Script.cfg-surface.tsv")
            ?? throw new InvalidOperationException("embedded cfg-surface.tsv is missing");
        using var reader = new StreamReader(stream);
        var functions = new Dictionary<string, List<ModuleFunction>>(StringComparer.Ordinal);
        var pvs = new Dictionary<string, string>(StringComparer.Ordinal);
        var modParams = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        reader.ReadLine(); // header
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split('\t');
            if (f.Length < 12) continue;
            var (kind, module, name) = (f[0], f[1], f[2]);
            switch (kind)
            {
                case "function":
                {
                    var arities = new HashSet<int>();
                    foreach (var a in f[8].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (int.TryParse(a, out var n)) arities.Add(n);
                    }
                    if (!functions.TryGetValue(name, out var list)) functions[name] = list = [];
                    list.Add(new ModuleFunction(module, name, arities, f[11]));
                    break;
                }
                case "pv" when !name.Contains(' ', StringComparison.Ordinal):
                    pvs.TryAdd(name, module);
                    break;
                case "modparam":
                    if (!modParams.TryGetValue(module, out var set)) modParams[module] = set = [];
                    set.Add(name);
                    break;
            }
        }
        // pv-module variables the corpus does not use but real configs do (cfg-surface.md 4b).
        foreach (var n in new[]
        {
            "fn", "tn", "rp", "rP", "rz", "dd", "dp", "proto", "ai", "pU", "pd", "re", "Tf", "Ts", "bf", "sf", "fs",
            "ruid", "cl", "cT", "branch", "hfl", "hflc", "hdrc", "xavu", "xavi", "ar", "ad", "pu", "pn", "tti", "fti",
            "mb", "mf", "mF", "mi", "od", "op", "oP", "oU", "rv", "rt", "rmid", "Rn", "Ru", "RAi", "RAp", "Rut",
            "RAut", "sas", "sbranch", "sut", "sid", "ts", "nh", "version", "env", "envn", "ksr", "msg", "K", "cnt",
            "def", "defn", "snd", "sndto", "sndfrom", "rcv", "utime", "vz", "vn", "bs", "br", "bR", "bu", "bU", "di",
            "dic", "dip", "dir", "fUl", "tUl", "rUl", "oUl", "ID", "Au", "AU", "aU", "lsock", "expires", "sndsock",
        })
        {
            pvs.TryAdd(n, "pv");
        }
        return new KamailioSurface
        {
            Functions = functions.ToFrozenDictionary(kv => kv.Key, kv => (IReadOnlyList<ModuleFunction>)kv.Value, StringComparer.Ordinal),
            PseudoVariables = pvs.ToFrozenDictionary(StringComparer.Ordinal),
            ModuleParameters = modParams.ToFrozenDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)kv.Value, StringComparer.Ordinal),
        };
    }
}

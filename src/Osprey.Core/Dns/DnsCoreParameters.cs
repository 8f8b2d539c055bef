using System.Globalization;
using Osprey.Transport;

namespace Osprey.Core.Dns;

/// <summary>
/// Applies kamailio.cfg core parameters about DNS and the destination blocklist to <see cref="DnsOptions"/>,
/// so the cfg binder needs one call per assignment. Values arrive as the cfg wrote them
/// (<c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c>/numbers); times are seconds as in Kamailio.
/// </summary>
public static class DnsCoreParameters
{
    /// <summary>Names this class understands (accepted parameters that Osprey does not need are included and ignored).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "dns_try_naptr", "dns_try_ipv6", "dns_srv_lb", "use_dns_failover", "use_dns_cache", "dns_cache_flags",
        "dns_cache_min_ttl", "dns_cache_max_ttl", "dns_cache_negative_ttl", "dns_cache_mem", "dns_cache_gc_interval",
        "dns_retr_time", "dns_retr_no", "dns_servers_no", "dns_use_search_list", "dns_slow_query_ms",
        "dns_udp_pref", "dns_tcp_pref", "dns_tls_pref", "dns_sctp_pref",
        "use_dst_blocklist", "dst_blocklist_expire", "dst_blocklist_mem", "dst_blocklist_gc_interval",
        "blst_503", "blst_503_def_timeout", "blst_503_min_timeout", "blst_503_max_timeout",
    ];

    /// <summary>
    /// Sets <paramref name="name"/> to <paramref name="value"/>. False with a message when the name is not
    /// a DNS parameter or the value does not fit it; the options are then unchanged.
    /// </summary>
    public static bool TrySet(DnsOptions options, string name, string value, out string? error)
    {
        error = null;
        value = value.Trim().Trim('"');
        switch (name.ToLowerInvariant())
        {
            case "dns_try_naptr": return Bool(value, b => options.TryNaptr = b, name, out error);
            case "dns_try_ipv6": return Bool(value, b => options.TryIpv6 = b, name, out error);
            case "dns_srv_lb": return Bool(value, b => options.SrvLoadBalancing = b, name, out error);
            case "use_dns_failover": return Bool(value, b => options.UseDnsFailover = b, name, out error);
            case "use_dst_blocklist": return Bool(value, b => options.UseDstBlocklist = b, name, out error);
            case "blst_503": return Bool(value, b => options.Blst503 = b, name, out error);
            case "dns_cache_min_ttl": return Seconds(value, t => options.MinTtl = t, name, out error);
            case "dns_cache_max_ttl": return Seconds(value, t => options.MaxTtl = t, name, out error);
            case "dns_cache_negative_ttl": return Seconds(value, t => options.NegativeTtl = t, name, out error);
            case "dns_retr_time": return Seconds(value, t => options.QueryTimeout = t, name, out error);
            case "dst_blocklist_expire": return Seconds(value, t => options.DstBlocklistExpire = t, name, out error);
            case "blst_503_def_timeout": return Seconds(value, t => options.Blst503DefaultTimeout = t, name, out error);
            case "blst_503_min_timeout": return Seconds(value, t => options.Blst503MinTimeout = t, name, out error);
            case "blst_503_max_timeout": return Seconds(value, t => options.Blst503MaxTimeout = t, name, out error);
            case "dns_retr_no": return Int(value, n => options.QueryRetries = n, name, out error);
            case "dns_slow_query_ms": return Milliseconds(value, t => options.SlowQuery = t, name, out error);
            case "dns_cache_flags":
                // Kamailio: 1 IPv4 only, 2 IPv6 only, 4 IPv6 first.
                return Int(value, n =>
                {
                    if ((n & 1) != 0)
                    {
                        options.TryIpv6 = false;
                    }

                    options.PreferIpv6 = (n & 4) != 0;
                    options.Ipv6Only = (n & 2) != 0;
                }, name, out error);
            case "dns_udp_pref": return Pref(options, SipProtocol.Udp, value, name, out error);
            case "dns_tcp_pref": return Pref(options, SipProtocol.Tcp, value, name, out error);
            case "dns_tls_pref": return Pref(options, SipProtocol.Tls, value, name, out error);
            case "dns_sctp_pref": return Pref(options, SipProtocol.Sctp, value, name, out error);
            case "use_dns_cache":
            case "dns_cache_mem":
            case "dns_cache_gc_interval":
            case "dst_blocklist_mem":
            case "dst_blocklist_gc_interval":
            case "dns_servers_no":
            case "dns_use_search_list":
                // Accepted for compatibility: the cache is always on (the hot path relies on it), sizes are
                // counted in entries, and sweeping is the host's timer's business.
                return true;
            default:
                error = $"'{name}' is not a DNS or blocklist parameter";
                return false;
        }
    }

    private static bool Bool(string v, Action<bool> set, string name, out string? error)
    {
        error = null;
        switch (v.ToLowerInvariant())
        {
            case "yes" or "on" or "true" or "enable" or "1":
                set(true);
                return true;
            case "no" or "off" or "false" or "disable" or "0":
                set(false);
                return true;
            default:
                error = $"{name}: expected yes/no, got '{v}'";
                return false;
        }
    }

    private static bool Int(string v, Action<int> set, string name, out string? error)
    {
        error = null;
        if (int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
        {
            set(n);
            return true;
        }

        error = $"{name}: expected a number, got '{v}'";
        return false;
    }

    private static bool Seconds(string v, Action<TimeSpan> set, string name, out string? error)
        => Count(v, n => set(TimeSpan.FromSeconds(n)), name, "seconds", out error);

    private static bool Milliseconds(string v, Action<TimeSpan> set, string name, out string? error)
        => Count(v, n => set(TimeSpan.FromMilliseconds(n)), name, "milliseconds", out error);

    // a number of units, not negative
    private static bool Count(string v, Action<int> set, string name, string unit, out string? error)
    {
        error = null;
        if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            set(n);
            return true;
        }

        error = $"{name}: expected a number of {unit}, got '{v}'";
        return false;
    }

    private static bool Pref(DnsOptions options, SipProtocol p, string v, string name, out string? error)
        => Int(v, n =>
        {
            var prefs = options.TransportPreference is null
                ? new Dictionary<SipProtocol, int> { [SipProtocol.Udp] = 30, [SipProtocol.Tcp] = 20, [SipProtocol.Tls] = 10, [SipProtocol.Sctp] = 20 }
                : new Dictionary<SipProtocol, int>(options.TransportPreference);
            prefs[p] = n;
            options.TransportPreference = prefs;
        }, name, out error);
}

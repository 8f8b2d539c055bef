using Osprey.Transport;

namespace Osprey.Core.Dns;

/// <summary>
/// DNS resolution, cache and destination-blocklist settings. Property docs name the kamailio.cfg
/// core parameter each one stands for; defaults are Kamailio's unless said otherwise.
/// </summary>
public sealed class DnsOptions
{
    /// <summary><c>dns_try_naptr</c>: look up NAPTR when a URI has neither port nor transport (RFC 3263 §4.1). Kamailio's default is off.</summary>
    public bool TryNaptr { get; set; }

    /// <summary><c>dns_try_ipv6</c>: also query AAAA records.</summary>
    public bool TryIpv6 { get; set; } = true;

    /// <summary>Put IPv6 addresses before IPv4 ones (Kamailio: <c>dns_cache_flags</c> bit 4). Off: IPv4 first.</summary>
    public bool PreferIpv6 { get; set; }

    /// <summary>Query AAAA only, never A (Kamailio: <c>dns_cache_flags</c> bit 2).</summary>
    public bool Ipv6Only { get; set; }

    /// <summary>
    /// <c>dns_srv_lb</c>: within one SRV priority pick targets by weighted random selection (RFC 2782).
    /// Off: highest weight first, deterministically (Kamailio's default is off).
    /// </summary>
    public bool SrvLoadBalancing { get; set; }

    /// <summary><c>use_dns_failover</c>: tm moves to the next DNS target when a branch gets 503 or times out.</summary>
    public bool UseDnsFailover { get; set; }

    /// <summary><c>dns_cache_min_ttl</c>: lower bound on the TTL of cached positive answers.</summary>
    public TimeSpan MinTtl { get; set; } = TimeSpan.Zero;

    /// <summary><c>dns_cache_max_ttl</c>: upper bound on the TTL of any cached answer.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary><c>dns_cache_negative_ttl</c>: how long "no such name / no such record" is remembered.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a failed query (timeout, SERVFAIL, REFUSED) is remembered, so a dead server is not asked
    /// again for every message. Osprey's own knob; Kamailio folds this into the negative TTL.
    /// </summary>
    public TimeSpan FailureTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most records kept (Kamailio sizes the cache in bytes with <c>dns_cache_mem</c>).</summary>
    public int MaxEntries { get; set; } = 16384;

    /// <summary>
    /// Longest the synchronous fast path (<see cref="SipResolver.Resolve"/>) waits on a cache miss before
    /// answering "not resolved yet". The lookup keeps running and fills the cache for the next message.
    /// </summary>
    public TimeSpan SyncWait { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Transports this server can send on; NAPTR and SRV results for others are ignored (RFC 3263 §4.1).</summary>
    public IReadOnlyList<SipProtocol> SupportedProtocols { get; set; } = [SipProtocol.Udp, SipProtocol.Tcp, SipProtocol.Tls];

    /// <summary>
    /// <c>dns_udp_pref</c>, <c>dns_tcp_pref</c>, <c>dns_tls_pref</c>, <c>dns_sctp_pref</c>: when set, NAPTR
    /// results are ordered by these values (higher first; negative drops the transport) before NAPTR
    /// order/preference, as Kamailio does. Null (Osprey's default): NAPTR order and preference alone,
    /// as RFC 3263 §4.1 says. Kamailio's own defaults are udp 30, tcp 20, sctp 20, tls 10.
    /// </summary>
    public IReadOnlyDictionary<SipProtocol, int>? TransportPreference { get; set; }

    /// <summary>DNS servers to ask; null or empty: the system's (<c>/etc/resolv.conf</c>), as Kamailio does.</summary>
    public IReadOnlyList<System.Net.IPEndPoint>? NameServers { get; set; }

    /// <summary><c>dns_retr_time</c>: how long to wait for one DNS answer.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>dns_retr_no</c>: how many times a query is re-sent after a timeout.</summary>
    public int QueryRetries { get; set; } = 2;

    /// <summary>
    /// <c>dns_slow_query_ms</c>: a query to the DNS server that takes longer than this is counted in
    /// <c>dns:slow_dns_request</c>. Zero (Kamailio's default) counts none.
    /// </summary>
    public TimeSpan SlowQuery { get; set; } = TimeSpan.Zero;

    /// <summary><c>use_dst_blocklist</c>: consult and fill the destination blocklist.</summary>
    public bool UseDstBlocklist { get; set; }

    /// <summary><c>dst_blocklist_expire</c>: how long a failed destination stays blocked.</summary>
    public TimeSpan DstBlocklistExpire { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>blst_503</c>: block a destination that answered 503.</summary>
    public bool Blst503 { get; set; }

    /// <summary><c>blst_503_def_timeout</c>: block time for a 503 without Retry-After; zero means do not block.</summary>
    public TimeSpan Blst503DefaultTimeout { get; set; } = TimeSpan.Zero;

    /// <summary><c>blst_503_min_timeout</c>: lower bound on a 503's Retry-After.</summary>
    public TimeSpan Blst503MinTimeout { get; set; } = TimeSpan.Zero;

    /// <summary><c>blst_503_max_timeout</c>: upper bound on a 503's Retry-After.</summary>
    public TimeSpan Blst503MaxTimeout { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>Most destinations kept in the blocklist (Kamailio: <c>dst_blocklist_mem</c>).</summary>
    public int MaxBlocklistEntries { get; set; } = 16384;
}

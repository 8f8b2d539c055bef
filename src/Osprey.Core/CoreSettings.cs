namespace Osprey.Core;

/// <summary>What to do with a datagram larger than <see cref="CoreSettings.MaxMessageSize"/>.</summary>
public enum OversizeAction
{
    /// <summary>Answer 513 Message Too Large (RFC 3261 §21.5.14) when the start of it is a request.</summary>
    Reply513,
    Drop,
}

/// <summary>Core parameters of the server (the kamailio.cfg core parameters that matter to the pipeline).</summary>
public sealed class CoreSettings
{
    /// <summary>Host names (and host:port) that count as "myself" besides the listen addresses (<c>alias=</c>).</summary>
    public List<string> Aliases { get; } = [];

    /// <summary>Largest message accepted (bytes).</summary>
    public int MaxMessageSize { get; set; } = 65535;

    public OversizeAction OversizeAction { get; set; } = OversizeAction.Reply513;

    /// <summary>Server header in locally generated replies (<c>server_header</c>); empty for none.</summary>
    public string ServerHeader { get; set; } = "Server: Osprey";

    /// <summary>Fill rport in replies even when the request's Via had no rport (<c>force_rport</c> for every message).</summary>
    public bool ForceRport { get; set; }

    /// <summary>Default Max-Forwards added to requests that carry none (RFC 3261 §16.6 step 3).</summary>
    public int DefaultMaxForwards { get; set; } = 70;

    /// <summary>DNS resolution settings (the <c>dns_*</c> and <c>dst_blocklist</c> core parameters); null for defaults.</summary>
    public Dns.DnsOptions? Dns { get; set; }
}

namespace Osprey.Core.Dns;

/// <summary>The outcome of a lookup. Failures are values: nothing the network does reaches a caller as an exception.</summary>
public enum DnsStatus : byte
{
    Ok = 0,

    /// <summary>The name does not exist or has no record of the type (NXDOMAIN / NODATA), or an SRV target is ".".</summary>
    NotFound,

    /// <summary>The server did not answer within the resolver's timeout and retries.</summary>
    Timeout,

    /// <summary>The server answered with an error (SERVFAIL, REFUSED, ...), or the network failed.</summary>
    ServerFailure,

    /// <summary>The host is not a valid DNS name.</summary>
    InvalidName,

    /// <summary>The synchronous fast path gave up waiting; the lookup continues and fills the cache.</summary>
    Pending,

    /// <summary>Every target the name resolves to is blocklisted, or none uses a transport we support.</summary>
    NoUsableTarget,
}

/// <summary>Record types the SIP resolver uses (values are the DNS type codes).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    Aaaa = 28,
    Srv = 33,
    Naptr = 35,
}

namespace Osprey.Sip.Sdp;

/// <summary>The <c>addrtype</c> of an <c>IN</c> connection or origin (RFC 8866 §5.7).</summary>
public enum SdpAddressType
{
    /// <summary>Anything other than IP4/IP6 (or a network type other than IN).</summary>
    Unknown = 0,
    IP4,
    IP6,
}

/// <summary>Media direction attributes of RFC 8866 §6.7.</summary>
public enum SdpDirection
{
    /// <summary>No direction attribute present (callers treat this as send-receive, RFC 8866 §6.7).</summary>
    None = 0,
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

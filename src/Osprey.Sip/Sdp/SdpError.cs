namespace Osprey.Sip.Sdp;

/// <summary>Why an SDP body was rejected.</summary>
public enum SdpErrorCode
{
    None = 0,
    /// <summary>The body has no bytes.</summary>
    Empty,
    /// <summary>RFC 8866 §5: the first line must be <c>v=</c>.</summary>
    MissingVersion,
    /// <summary>RFC 8866 §5.1: only version 0 is defined.</summary>
    UnsupportedVersion,
    /// <summary>RFC 8866 §5: a line is not <c>&lt;type&gt;=&lt;value&gt;</c>.</summary>
    MalformedLine,
    /// <summary>RFC 8866 §5.14: an <c>m=</c> line lacks media, port, proto or a format.</summary>
    MalformedMediaLine,
}

/// <summary>
/// A rejected SDP body: the error code, the 1-based line number where it was found and a
/// reason a person can act on. The reason is a constant string (no allocation).
/// </summary>
public readonly struct SdpError
{
    internal SdpError(SdpErrorCode code, int line, string reason)
    {
        Code = code;
        Line = line;
        Reason = reason;
    }

    public SdpErrorCode Code { get; }

    /// <summary>1-based line number of the offending line, 0 when not tied to a line.</summary>
    public int Line { get; }

    public string Reason { get; }

    public override string ToString() => Line > 0 ? $"SDP line {Line}: {Reason}" : "SDP: " + Reason;
}

namespace Osprey.Sip.Multipart;

/// <summary>Why a multipart body or its boundary was rejected.</summary>
public enum MultipartErrorCode
{
    None = 0,
    /// <summary>The Content-Type has no usable boundary parameter (RFC 2046 §5.1.1: 1 to 70 characters).</summary>
    MissingBoundary,
    /// <summary>No delimiter line was found in the body.</summary>
    NoParts,
    /// <summary>The body ends without the close delimiter <c>--boundary--</c> (RFC 2046 §5.1.1).</summary>
    MissingCloseDelimiter,
    /// <summary>A part's header block has no terminating empty line.</summary>
    MalformedPartHeaders,
    /// <summary>The caller's destination has room for fewer parts than the body has.</summary>
    TooManyParts,
}

/// <summary>A rejected multipart body: code, offset in the body and a constant human reason.</summary>
public readonly struct MultipartError
{
    internal MultipartError(MultipartErrorCode code, int offset, string reason)
    {
        Code = code;
        Offset = offset;
        Reason = reason;
    }

    public MultipartErrorCode Code { get; }
    public int Offset { get; }
    public string Reason { get; }

    public override string ToString() => $"{Reason} (at offset {Offset})";
}

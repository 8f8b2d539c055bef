namespace Osprey.Sip.Digest;

/// <summary>Why an Authorization/WWW-Authenticate value was rejected.</summary>
public enum AuthErrorCode
{
    None = 0,
    /// <summary>No scheme token at the start of the value.</summary>
    MissingScheme,
    /// <summary>A parameter is not <c>name=token</c> or <c>name="quoted"</c> (RFC 3261 §25.1 auth-param).</summary>
    MalformedParameter,
    /// <summary>A quoted string has no closing quote.</summary>
    UnterminatedQuotedString,
    /// <summary>RFC 7616 §3.4: a parameter appears twice.</summary>
    DuplicateParameter,
    /// <summary>A parameter the scheme requires is missing.</summary>
    MissingParameter,
    /// <summary>A parameter has a value its grammar does not allow (e.g. nc not 8 hex digits).</summary>
    InvalidParameterValue,
}

/// <summary>A rejected authentication header value: a code, the byte offset and a constant human reason.</summary>
public readonly struct AuthError
{
    internal AuthError(AuthErrorCode code, int offset, string reason)
    {
        Code = code;
        Offset = offset;
        Reason = reason;
    }

    public AuthErrorCode Code { get; }

    /// <summary>Offset in the header value where the problem was found.</summary>
    public int Offset { get; }

    public string Reason { get; }

    public override string ToString() => $"{Reason} (at offset {Offset})";
}

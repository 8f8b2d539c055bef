namespace Osprey.Sip.Message;

/// <summary>Why a message could not be accepted, and what a server should do about it.</summary>
public enum ParseErrorKind : byte
{
    None = 0,
    Empty,
    BadStartLine,
    BadVersion,
    BadStatusCode,
    BadRequestUri,
    BadHeaderLine,
    BadHeaderValue,
    MissingHeader,
    DuplicateHeader,
    BadContentLength,
    BodyTooShort,
    CSeqMismatch,
    TooManyHeaders,
}

/// <summary>
/// A parse or validation failure: the kind, a human reason that fits in a reason phrase, and the
/// status a server answers a request with (400, 505, ...). Replies are never answered: they are dropped.
/// </summary>
public readonly record struct ParseError(ParseErrorKind Kind, string Reason, int Status = 400)
{
    public static ParseError None => default;
    public bool IsError => Kind != ParseErrorKind.None;
    public override string ToString() => IsError ? $"{Status} {Reason}" : "ok";
}

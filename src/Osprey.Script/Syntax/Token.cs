using Osprey.Script.Diagnostics;

namespace Osprey.Script.Syntax;

internal enum TokenKind
{
    EndOfFile,
    Identifier,
    /// <summary>Integer literal (decimal, hex, octal, binary, yes/no words).</summary>
    Number,
    /// <summary>Quoted string; <see cref="Token.Text"/> holds the decoded value.</summary>
    String,
    /// <summary>Pseudo-variable, raw text from '$' to its end.</summary>
    PseudoVariable,
    /// <summary>Select expression, raw text from '@'.</summary>
    Select,
    /// <summary>Dotted-quad IPv4 address.</summary>
    Ipv4,
    /// <summary>Bracketed IPv6 address; text without brackets.</summary>
    Ipv6,
    /// <summary>Compound keywords lexed as one token: msg:len, uri:host, uri:port.</summary>
    CompoundKeyword,
    LParen, RParen, LBrace, RBrace, LBracket, RBracket,
    Comma, Semicolon, Colon, Dot,
    Assign, ColonAssign, PlusAssign,
    Equal, NotEqual, Match, NotMatch, Less, Greater, LessEqual, GreaterEqual,
    Plus, Minus, Star, Slash, Percent,
    Bang, Tilde, AndAnd, OrOr, Ampersand, Pipe, Caret, ShiftLeft, ShiftRight,
    /// <summary>A character the language does not use.</summary>
    Invalid,
}

/// <summary>
/// One token after preprocessing. <see cref="Start"/>/<see cref="End"/> are offsets in the file the
/// token was read from (used to glue adjacent tokens, e.g. event route names); tokens produced by a
/// define carry the location of the name they replaced, so errors point at what the user wrote.
/// </summary>
internal sealed record Token(TokenKind Kind, string Text, SourceLocation Location, int FileId, int Start, int End)
{
    /// <summary>Numeric value for <see cref="TokenKind.Number"/>.</summary>
    public long Number { get; init; }

    /// <summary>True for a '...' string (no escape processing; not joined with neighbours).</summary>
    public bool SingleQuoted { get; init; }

    /// <summary>Whether this token came from expanding a #!define.</summary>
    public bool FromDefine { get; init; }

    public bool Is(string identifier) => Kind == TokenKind.Identifier && Text == identifier;

    public override string ToString() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.String => $"\"{Text}\"",
        _ => $"'{Text}'",
    };
}

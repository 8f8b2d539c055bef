using Osprey.Script.Diagnostics;

namespace Osprey.Script.Ast;

/// <summary>
/// Expression nodes. The compiler turns each into a delegate once; the node kinds tell it, without
/// looking at text, whether a value is a constant (fold it, convert it once), a pseudo-variable
/// (bind a getter), or a core keyword (bind a message accessor).
/// </summary>
internal abstract record Expr(SourceLocation Location);

/// <summary>Integer literal; <see cref="Text"/> keeps the spelling (0x10, 010, 101b, yes).</summary>
internal sealed record IntLiteral(long Value, string Text, SourceLocation Location) : Expr(Location);

/// <summary>
/// String literal after escape processing and adjacent-string joining. PVs inside it are not
/// expanded here: functions that take a PV format parse <see cref="Value"/> with <see cref="PvFormat"/>.
/// </summary>
internal sealed record StringLiteral(string Value, bool SingleQuoted, SourceLocation Location) : Expr(Location);

/// <summary>A pseudo-variable read (or, as an assignment target, write).</summary>
internal sealed record PvExpr(PvRef Pv, SourceLocation Location) : Expr(Location);

/// <summary>SER select expression such as @ruri.user, kept as text for the runtime to resolve.</summary>
internal sealed record SelectExpr(string Path, SourceLocation Location) : Expr(Location);

/// <summary>Core condition keyword: method, uri, src_ip, ...</summary>
internal sealed record KeywordExpr(CoreKeyword Keyword, SourceLocation Location) : Expr(Location);

/// <summary>'myself': any local address or alias.</summary>
internal sealed record MyselfExpr(SourceLocation Location) : Expr(Location);

/// <summary>
/// Unquoted word in a value position: method name (method==INVITE), protocol (proto==UDP), host
/// name (src_ip==gw.example.com), or an undefined define. The compiler decides by context.
/// </summary>
internal sealed record BareWordExpr(string Text, SourceLocation Location) : Expr(Location);

/// <summary>IPv4/IPv6 address with an optional prefix length (src_ip==10.0.0.0/8).</summary>
internal sealed record AddressExpr(string Address, int? PrefixLength, SourceLocation Location) : Expr(Location);

internal sealed record UnaryExpr(UnaryOp Op, Expr Operand, SourceLocation Location) : Expr(Location);

internal sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right, SourceLocation Location) : Expr(Location);

/// <summary>(int)x or (str)x.</summary>
internal sealed record CastExpr(CastType Type, Expr Operand, SourceLocation Location) : Expr(Location);

/// <summary>
/// Call of a core or module function, in a statement or a condition. Arguments are expressions;
/// binding (name + arity + route type → implementation, literal conversion) is the binder's job.
/// </summary>
internal sealed record CallExpr(string Name, IReadOnlyList<Expr> Arguments, bool HasParentheses, SourceLocation Location) : Expr(Location);

/// <summary>route(NAME): <see cref="Target"/> is a literal name, or null and <see cref="Dynamic"/> holds an expression.</summary>
internal sealed record RouteCallExpr(string? Target, Expr? Dynamic, SourceLocation Location) : Expr(Location);

internal enum CoreKeyword
{
    Method, Uri, Status, FromUri, ToUri, SrcIp, SrcPort, DstIp, DstPort, Proto, Af, MsgLen,
    SndIp, SndPort, SndProto, SndAf, ToIp, ToPort, MaxLen, UriHost, UriPort,
}

internal enum UnaryOp { Not, BitNot, Negate, Defined, StrLen, StrEmpty }

internal enum CastType { Int, Str }

internal enum BinaryOp
{
    LogicalOr, LogicalAnd, BitOr, BitAnd, BitXor, ShiftLeft, ShiftRight,
    Equal, NotEqual, Match, NotMatch, StrEqual, StrNotEqual, IntEqual, IntNotEqual,
    Greater, Less, GreaterEqual, LessEqual,
    Add, Subtract, Multiply, Divide, Modulo,
}

internal static class CoreKeywords
{
    public static readonly IReadOnlyDictionary<string, CoreKeyword> ByName = new Dictionary<string, CoreKeyword>(StringComparer.Ordinal)
    {
        ["method"] = CoreKeyword.Method, ["uri"] = CoreKeyword.Uri, ["status"] = CoreKeyword.Status,
        ["from_uri"] = CoreKeyword.FromUri, ["to_uri"] = CoreKeyword.ToUri,
        ["src_ip"] = CoreKeyword.SrcIp, ["src_port"] = CoreKeyword.SrcPort,
        ["dst_ip"] = CoreKeyword.DstIp, ["dst_port"] = CoreKeyword.DstPort,
        ["proto"] = CoreKeyword.Proto, ["af"] = CoreKeyword.Af, ["msg:len"] = CoreKeyword.MsgLen,
        ["snd_ip"] = CoreKeyword.SndIp, ["snd_port"] = CoreKeyword.SndPort, ["snd_proto"] = CoreKeyword.SndProto,
        ["snd_af"] = CoreKeyword.SndAf, ["to_ip"] = CoreKeyword.ToIp, ["to_port"] = CoreKeyword.ToPort,
        ["max_len"] = CoreKeyword.MaxLen, ["uri:host"] = CoreKeyword.UriHost, ["uri:port"] = CoreKeyword.UriPort,
    };

    /// <summary>Keywords whose right-hand side may be an address, network or host name.</summary>
    public static bool TakesAddress(CoreKeyword k) => k is CoreKeyword.SrcIp or CoreKeyword.DstIp or CoreKeyword.SndIp or CoreKeyword.ToIp;
}

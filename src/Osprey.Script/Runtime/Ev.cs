using System.Runtime.CompilerServices;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script.Runtime;

/// <summary>Static type of an expression when known at compile time.</summary>
internal enum ValueKind : byte { Unknown, Int, Str }

/// <summary>
/// A compiled expression: built once from the syntax tree with every name resolved (pseudo-variables,
/// functions, regexes, constants), then evaluated per message by virtual calls on these nodes.
/// </summary>
internal abstract class Ev
{
    public abstract PvValue Eval(MessageContext c, ScriptState s);

    /// <summary>Integer context (arithmetic, bit operations).</summary>
    public virtual int EvalInt(MessageContext c, ScriptState s) => Values.ToInt(Eval(c, s));

    /// <summary>Condition context: non-zero integer is true; a function call is true when it returned &gt; 0.</summary>
    public virtual bool EvalBool(MessageContext c, ScriptState s) => EvalInt(c, s) != 0;

    /// <summary>String context (concatenation, string arguments).</summary>
    public virtual string EvalString(MessageContext c, ScriptState s) => Values.ToStr(Eval(c, s));

    /// <summary>Message-backed values hand out their bytes, so comparing or concatenating them allocates
    /// nothing. False when the value is not available that way (then use <see cref="Eval"/>).</summary>
    public virtual bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined)
    {
        value = default;
        defined = false;
        return false;
    }

    /// <summary>Appends the string form (null as empty) to a builder.</summary>
    public virtual void AppendTo(System.Text.StringBuilder sb, MessageContext c, ScriptState s)
    {
        if (TryUtf8(c, s, out var span, out _)) { Values.AppendUtf8(sb, span); return; }
        var v = Eval(c, s);
        if (v.IsInt) sb.Append(v.Int);
        else if (v.IsString) sb.Append(v.Str);
    }

    /// <summary>"defined X": X has a value.</summary>
    public virtual bool IsDefined(MessageContext c, ScriptState s) => !Eval(c, s).IsNull;

    public virtual ValueKind Kind => ValueKind.Unknown;
    public virtual bool IsConstant => false;
}

internal sealed class ConstEv(PvValue value) : Ev
{
    public readonly PvValue Value = value;
    private readonly int _int = Values.ToInt(value);
    private readonly string _str = Values.ToStr(value);
    public override PvValue Eval(MessageContext c, ScriptState s) => Value;
    public override int EvalInt(MessageContext c, ScriptState s) => _int;
    public override string EvalString(MessageContext c, ScriptState s) => _str;
    public override ValueKind Kind => Value.IsInt ? ValueKind.Int : Value.IsString ? ValueKind.Str : ValueKind.Unknown;
    public override bool IsConstant => true;
    public override void AppendTo(System.Text.StringBuilder sb, MessageContext c, ScriptState s) => sb.Append(_str);
}

/// <summary>A pseudo-variable read.</summary>
internal sealed class PvEv(Pv.PvAccessor pv) : Ev
{
    public readonly Pv.PvAccessor Pv = pv;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override PvValue Eval(MessageContext c, ScriptState s) => Pv.Get(c, s);
    public override bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined) => Pv.TryUtf8(c, s, out value, out defined);
    public override bool IsDefined(MessageContext c, ScriptState s) => Pv.IsDefined(c, s);
    public override ValueKind Kind => Pv.Kind;
}

internal sealed class NotEv(Ev e) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;
    public override bool EvalBool(MessageContext c, ScriptState s) => !e.EvalBool(c, s);
    public override ValueKind Kind => ValueKind.Int;
}

internal sealed class AndEv(Ev l, Ev r) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;
    public override bool EvalBool(MessageContext c, ScriptState s) => l.EvalBool(c, s) && !s.Stop && r.EvalBool(c, s);
    public override ValueKind Kind => ValueKind.Int;
}

internal sealed class OrEv(Ev l, Ev r) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;
    public override bool EvalBool(MessageContext c, ScriptState s) => (l.EvalBool(c, s) || (!s.Stop && r.EvalBool(c, s))) && !s.Stop;
    public override ValueKind Kind => ValueKind.Int;
}

internal enum IntOp : byte { Sub, Mul, Div, Mod, BitAnd, BitOr, BitXor, Shl, Shr, Gt, Lt, Ge, Le, IntEq, IntNe }

/// <summary>Operators that force integer context.</summary>
internal sealed class IntBinEv(IntOp op, Ev l, Ev r) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => Values.Int(EvalInt(c, s));
    public override int EvalInt(MessageContext c, ScriptState s)
    {
        if (op is IntOp.Gt or IntOp.Lt or IntOp.Ge or IntOp.Le or IntOp.IntEq or IntOp.IntNe)
        {
            // relational operators compare integers; a non-numeric string counts as 0 ("b" > "a" is false)
            int a = l.EvalInt(c, s), b = r.EvalInt(c, s);
            return op switch
            {
                IntOp.Gt => a > b ? 1 : 0,
                IntOp.Lt => a < b ? 1 : 0,
                IntOp.Ge => a >= b ? 1 : 0,
                IntOp.Le => a <= b ? 1 : 0,
                IntOp.IntEq => a == b ? 1 : 0,
                _ => a != b ? 1 : 0,
            };
        }
        int x = l.EvalInt(c, s), y = r.EvalInt(c, s);
        return op switch
        {
            IntOp.Sub => unchecked(x - y),
            IntOp.Mul => unchecked(x * y),
            IntOp.Div => y == 0 ? 0 : unchecked(x / y),
            IntOp.Mod => y == 0 ? 0 : x % y,
            IntOp.BitAnd => x & y,
            IntOp.BitOr => x | y,
            IntOp.BitXor => x ^ y,
            IntOp.Shl => x << y,
            _ => x >> y,
        };
    }
    public override ValueKind Kind => ValueKind.Int;
}

internal sealed class NegEv(Ev e, bool bitNot) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => Values.Int(EvalInt(c, s));
    public override int EvalInt(MessageContext c, ScriptState s) => bitNot ? ~e.EvalInt(c, s) : unchecked(-e.EvalInt(c, s));
    public override ValueKind Kind => ValueKind.Int;
}

/// <summary>'+': integer addition when the left operand is an integer, concatenation otherwise.</summary>
internal sealed class AddEv(Ev l, Ev r) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s)
    {
        if (l.Kind == ValueKind.Int) return Values.Int(unchecked(l.EvalInt(c, s) + r.EvalInt(c, s)));
        if (l.Kind == ValueKind.Unknown && !l.TryUtf8(c, s, out _, out _))
        {
            var a = l.Eval(c, s);
            if (a.IsInt) return Values.Int(unchecked((int)a.Int + r.EvalInt(c, s)));
            var sb0 = Values.RentBuilder();
            if (a.IsString) sb0.Append(a.Str);
            r.AppendTo(sb0, c, s);
            return PvValue.FromString(Values.Finish(sb0));
        }
        var sb = Values.RentBuilder();
        AppendTo(sb, c, s);
        return PvValue.FromString(Values.Finish(sb));
    }

    public override void AppendTo(System.Text.StringBuilder sb, MessageContext c, ScriptState s)
    {
        if (l.Kind == ValueKind.Int) { sb.Append(unchecked(l.EvalInt(c, s) + r.EvalInt(c, s))); return; }
        if (l is AddEv || l.Kind == ValueKind.Str || l.TryUtf8(c, s, out _, out _))
        {
            l.AppendTo(sb, c, s);
            r.AppendTo(sb, c, s);
            return;
        }
        var v = Eval(c, s);
        sb.Append(Values.ToStr(v));
    }

    public override ValueKind Kind => l.Kind == ValueKind.Int ? ValueKind.Int : l.Kind == ValueKind.Str ? ValueKind.Str : ValueKind.Unknown;
}

internal enum CmpOp : byte { Eq, Ne, StrEq, StrNe }

/// <summary>
/// '==' and '!=': typed by the left operand (int compares as integers, string as case-sensitive bytes;
/// undefined takes the right side's type). eq/ne force string comparison.
/// </summary>
internal sealed class CompareEv(CmpOp op, Ev l, Ev r, bool ignoreCase) : Ev
{
    private readonly byte[]? _rightUtf8 = r is ConstEv { Value.IsString: true } k ? System.Text.Encoding.UTF8.GetBytes(k.Value.Str) : null;
    private readonly bool _negate = op is CmpOp.Ne or CmpOp.StrNe;
    private readonly bool _forceStr = op is CmpOp.StrEq or CmpOp.StrNe;

    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;

    public override bool EvalBool(MessageContext c, ScriptState s)
    {
        // Fast path: message bytes against a string constant, no allocation.
        if (_rightUtf8 is not null && l.Kind != ValueKind.Int && l.TryUtf8(c, s, out var span, out var defined))
        {
            if (!defined) return Result(_rightUtf8.Length == 0);
            return Result(Values.SpanEquals(span, _rightUtf8, ignoreCase));
        }
        // Both sides message bytes ($tU == $rU): compare the bytes.
        if (l.Kind != ValueKind.Int && r.Kind != ValueKind.Int && l.TryUtf8(c, s, out var ls, out var ld) && r.TryUtf8(c, s, out var rs, out var rd))
        {
            // undefined on the left takes the right side's type and counts as ""; a defined value never equals undefined
            if (!ld) return Result(!rd || rs.IsEmpty);
            if (!rd) return Result(false);
            return Result(Values.SpanEquals(ls, rs, ignoreCase));
        }
        var a = l.Eval(c, s);
        var b = r.Eval(c, s);
        bool asInt = !_forceStr && (a.IsInt || (a.IsNull && b.IsInt));
        if (asInt)
        {
            // a string that is not a number never equals an integer (so '!=' is true), as in Kamailio
            if (!Values.TryToInt(a, out var x) || !Values.TryToInt(b, out var y)) return Result(false);
            return Result(x == y);
        }
        if (!a.IsNull && b.IsNull && !_forceStr) return Result(false);
        var sa = Values.ToStr(a);
        var sb = Values.ToStr(b);
        return Result(ignoreCase ? string.Equals(sa, sb, StringComparison.OrdinalIgnoreCase) : string.Equals(sa, sb, StringComparison.Ordinal));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Result(bool equal) => equal != _negate;

    public override ValueKind Kind => ValueKind.Int;
}

/// <summary>'=~' / '!~': case-insensitive, unanchored regex search; a constant pattern is compiled once.</summary>
internal sealed class MatchEv(Ev l, Ev r, bool negate) : Ev
{
    private readonly System.Text.RegularExpressions.Regex? _fixed =
        r is ConstEv k ? Compiler.RegexCache.Get(Values.ToStr(k.Value)) : null;

    // A constant pattern that is only a literal ("friendly-scanner", "^sip:", "@example\.com$") is matched on
    // the message bytes directly: same result as the regex, no decoding, no regex engine.
    private readonly LiteralPattern? _literal = r is ConstEv k2 ? LiteralPattern.TryCreate(Values.ToStr(k2.Value)) : null;

    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;

    public override bool EvalBool(MessageContext c, ScriptState s)
    {
        if (_literal is not null && l.TryUtf8(c, s, out var lit, out var litDefined))
        {
            if (!litDefined) return negate;
            return _literal.IsMatch(lit) != negate;
        }
        var re = _fixed ?? Compiler.RegexCache.Get(r.EvalString(c, s));
        if (re is null) return false;
        bool m;
        if (l.TryUtf8(c, s, out var span, out var defined))
        {
            if (!defined) return negate;
            Span<char> buf = span.Length <= 512 ? stackalloc char[span.Length] : new char[span.Length];
            int n = System.Text.Encoding.UTF8.GetChars(span, buf);
            m = re.IsMatch(buf[..n]);
        }
        else
        {
            m = re.IsMatch(l.EvalString(c, s));
        }
        return m != negate;
    }

    public override ValueKind Kind => ValueKind.Int;
}

internal sealed class DefinedEv(Ev e) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;
    public override bool EvalBool(MessageContext c, ScriptState s) => e.IsDefined(c, s);
    public override ValueKind Kind => ValueKind.Int;
}

internal sealed class StrLenEv(Ev e, bool empty) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => Values.Int(EvalInt(c, s));
    public override int EvalInt(MessageContext c, ScriptState s)
    {
        int len = e.TryUtf8(c, s, out var span, out _) ? span.Length : e.EvalString(c, s).Length;
        return empty ? (len == 0 ? 1 : 0) : len;
    }
    public override ValueKind Kind => ValueKind.Int;
}

internal sealed class CastEv(Ev e, bool toInt) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => toInt ? Values.Int(e.EvalInt(c, s)) : PvValue.FromString(e.EvalString(c, s));
    public override ValueKind Kind => toInt ? ValueKind.Int : ValueKind.Str;
}

/// <summary>A PV format string ("sip:$rU@$fd") used as a value: formatted per message.</summary>
internal sealed class FormatEv(Ev[] parts, string text) : Ev
{
    public readonly string Text = text;
    public override PvValue Eval(MessageContext c, ScriptState s) => PvValue.FromString(EvalString(c, s));
    public override string EvalString(MessageContext c, ScriptState s)
    {
        // one message value ("$fd" as a function argument): no builder, and no new string when it repeats
        if (parts.Length == 1 && parts[0].TryUtf8(c, s, out var value, out bool defined) && defined)
            return RecentStrings.Get(value);
        var sb = Values.RentBuilder();
        foreach (var p in parts) p.AppendTo(sb, c, s);
        return Values.Finish(sb);
    }
    public override void AppendTo(System.Text.StringBuilder sb, MessageContext c, ScriptState s)
    {
        foreach (var p in parts) p.AppendTo(sb, c, s);
    }
    public override ValueKind Kind => ValueKind.Str;
}

/// <summary>Pieces of an xlog-style format: null values print as "&lt;null&gt;".</summary>
internal sealed class PrintPartEv(Ev e) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => e.Eval(c, s);
    // the value's own bytes; an undefined value prints as "<null>", which only AppendTo writes
    public override bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined) => e.TryUtf8(c, s, out value, out defined);
    public override void AppendTo(System.Text.StringBuilder sb, MessageContext c, ScriptState s)
    {
        if (e.TryUtf8(c, s, out var span, out var defined))
        {
            if (defined) Values.AppendUtf8(sb, span);
            else sb.Append("<null>");
            return;
        }
        var v = e.Eval(c, s);
        if (v.IsNull) sb.Append("<null>");
        else if (v.IsInt) sb.Append(v.Int);
        else sb.Append(v.Str);
    }
}

/// <summary>selval(cond, a, b).</summary>
internal sealed class SelectEv(Ev cond, Ev a, Ev b) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => cond.EvalBool(c, s) ? a.Eval(c, s) : b.Eval(c, s);
}

/// <summary>A regex that is a plain literal, optionally anchored: matched case-insensitively on bytes.</summary>
internal sealed class LiteralPattern
{
    private readonly byte[] _text;
    private readonly bool _start, _end;

    private LiteralPattern(byte[] text, bool start, bool end)
    {
        _text = text;
        _start = start;
        _end = end;
    }

    public static LiteralPattern? TryCreate(string pattern)
    {
        var p = pattern.AsSpan();
        bool start = p.Length > 0 && p[0] == '^';
        if (start) p = p[1..];
        bool end = p.Length > 0 && p[^1] == '$' && (p.Length < 2 || p[^2] != '\\');
        if (end) p = p[..^1];
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < p.Length; i++)
        {
            char ch = p[i];
            if (ch == '\\')
            {
                // an escaped punctuation character is itself; escapes like \d or \w are not literals
                if (i + 1 >= p.Length || char.IsAsciiLetterOrDigit(p[i + 1])) return null;
                sb.Append(p[++i]);
                continue;
            }
            if (ch is '.' or '[' or ']' or '(' or ')' or '*' or '+' or '?' or '{' or '}' or '|' or '^' or '$' || ch > 0x7e) return null;
            sb.Append(ch);
        }
        return new LiteralPattern(System.Text.Encoding.ASCII.GetBytes(sb.ToString()), start, end);
    }

    public bool IsMatch(ReadOnlySpan<byte> subject)
    {
        var t = _text;
        if (_start && _end) return System.Text.Ascii.EqualsIgnoreCase(subject, t);
        if (_start) return subject.Length >= t.Length && System.Text.Ascii.EqualsIgnoreCase(subject[..t.Length], t);
        if (_end) return subject.Length >= t.Length && System.Text.Ascii.EqualsIgnoreCase(subject[^t.Length..], t);
        for (int i = 0; i + t.Length <= subject.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(subject.Slice(i, t.Length), t)) return true;
        }
        return false;
    }
}

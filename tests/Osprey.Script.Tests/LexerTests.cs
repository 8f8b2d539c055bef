using Osprey.Script.Diagnostics;
using Osprey.Script.Syntax;

namespace Osprey.Script.Tests;

public sealed class LexerTests
{
    private static List<Token> Lex(string text, out DiagnosticBag bag)
    {
        bag = new DiagnosticBag();
        var s = new Scanner("t.cfg", 0, text, bag);
        var list = new List<Token>();
        while (true)
        {
            var t = s.Next(out var d);
            if (d != null) continue;
            if (t.Kind == TokenKind.EndOfFile) return list;
            list.Add(t);
        }
    }

    private static Token One(string text)
    {
        var t = Lex(text, out var bag);
        Assert.Equal(0, bag.ErrorCount);
        return Assert.Single(t);
    }

    [Theory]
    [InlineData("42", 42)]
    [InlineData("0x1F", 31)]
    [InlineData("010", 8)]
    [InlineData("101b", 5)]
    [InlineData("0", 0)]
    [InlineData("yes", 1)]
    [InlineData("on", 1)]
    [InlineData("true", 1)]
    [InlineData("enable", 1)]
    [InlineData("no", 0)]
    [InlineData("off", 0)]
    [InlineData("false", 0)]
    [InlineData("disable", 0)]
    public void Number_forms(string text, long value)
    {
        var t = One(text);
        Assert.Equal(TokenKind.Number, t.Kind);
        Assert.Equal(value, t.Number);
    }

    [Theory]
    [InlineData("\"a\\tb\\n\"", "a\tb\n")]
    [InlineData("\"q\\\"x\\\\\"", "q\"x\\")]
    [InlineData("\"\\x41\\101\"", "AA")]
    [InlineData("\"\\1 keeps\"", "\\1 keeps")]
    [InlineData("\"a\\\nb\"", "ab")]
    [InlineData("'raw\\n$x'", "raw\\n$x")]
    public void String_escapes(string text, string value)
    {
        var t = One(text);
        Assert.Equal(TokenKind.String, t.Kind);
        Assert.Equal(value, t.Text);
    }

    [Theory]
    [InlineData("10.0.0.1", "Ipv4")]
    [InlineData("[2001:db8::1]", "Ipv6")]
    [InlineData("msg:len", "CompoundKeyword")]
    [InlineData("uri:host", "CompoundKeyword")]
    [InlineData("$rU", "PseudoVariable")]
    [InlineData("$avp(i:1)", "PseudoVariable")]
    [InlineData("$(hdr(Via)[-1]{s.len})", "PseudoVariable")]
    [InlineData("$hdr(X)[2]", "PseudoVariable")]
    [InlineData("$?", "PseudoVariable")]
    [InlineData("@via[1].host", "Select")]
    [InlineData("t_relay", "Identifier")]
    public void Token_classes(string text, string kind)
    {
        var t = One(text);
        Assert.Equal(kind, t.Kind.ToString());
    }

    [Fact]
    public void Operators_are_lexed_longest_first()
    {
        var kinds = Lex("== != =~ = := += <= >= << >> && || & | ^ ~ ! + - * / < >", out _).Select(t => t.Kind);
        Assert.Equal(
        [
            TokenKind.Equal, TokenKind.NotEqual, TokenKind.Match, TokenKind.Assign, TokenKind.ColonAssign, TokenKind.PlusAssign,
            TokenKind.LessEqual, TokenKind.GreaterEqual, TokenKind.ShiftLeft, TokenKind.ShiftRight, TokenKind.AndAnd, TokenKind.OrOr,
            TokenKind.Ampersand, TokenKind.Pipe, TokenKind.Caret, TokenKind.Tilde, TokenKind.Bang, TokenKind.Plus, TokenKind.Minus,
            TokenKind.Star, TokenKind.Slash, TokenKind.Less, TokenKind.Greater,
        ], kinds);
    }

    [Fact]
    public void Tokens_carry_line_and_column()
    {
        var t = Lex("a\n  b /* x\n */ c", out _);
        Assert.Equal(["t.cfg:1:1", "t.cfg:2:3", "t.cfg:3:5"], t.Select(x => x.Location.ToString()));
    }

    [Fact]
    public void Lexical_errors_have_positions()
    {
        Lex("a \"open", out var bag);
        Assert.Equal("t.cfg:1:3: unterminated string", bag.Items.Single().ToString());
        Lex("x\n  `", out bag);
        Assert.Equal("t.cfg:2:3: unexpected character '`'", bag.Items.Single().ToString());
    }
}

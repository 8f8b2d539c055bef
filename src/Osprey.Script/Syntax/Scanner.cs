using System.Globalization;
using System.Text;
using Osprey.Script.Diagnostics;

namespace Osprey.Script.Syntax;

/// <summary>A '#!'/'!!' preprocessor line found by the scanner.</summary>
internal sealed record Directive(string Word, string Argument, SourceLocation Location, int Start, int End);

/// <summary>
/// Turns the text of one file into raw tokens and preprocessor directives. It knows nothing of
/// defines or includes (the <see cref="Preprocessor"/> does); it only reproduces Kamailio's
/// lexical rules: comments (#, //, nested /* */), both string styles, number forms, PVs, selects.
/// </summary>
internal sealed class Scanner
{
    // Directive words Kamailio's lexer recognises after '#!' or '!!'. Anything else after '#!'
    // is an ordinary comment (so '#!ifexp' silently does nothing, as in 5.6).
    private static readonly HashSet<string> DirectiveWords =
    [
        "KAMAILIO", "OPENSER", "SER", "MAXCOMPAT", "ALL",
        "define", "trydef", "trydefine", "redefine", "redef",
        "ifdef", "ifndef", "else", "endif",
        "subst", "substdef", "substdefs",
        "defenv", "defenvs", "trydefenv", "trydefenvs",
        "include_file", "import_file",
    ];

    private readonly string _text;
    private readonly int[] _lineStarts;
    private int _pos;

    public Scanner(string file, int fileId, string text, DiagnosticBag diagnostics)
    {
        File = file;
        FileId = fileId;
        _text = text;
        Diagnostics = diagnostics;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') starts.Add(i + 1);
        }
        _lineStarts = [.. starts];
    }

    public string File { get; }
    public int FileId { get; }
    public string Text => _text;
    public int Position => _pos;
    private DiagnosticBag Diagnostics { get; }

    /// <summary>Location of a file offset.</summary>
    public SourceLocation At(int offset)
    {
        var line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0) line = ~line - 1;
        return new SourceLocation(File, line + 1, offset - _lineStarts[line] + 1);
    }

    /// <summary>Next token or directive; null <paramref name="directive"/> means a token was read.</summary>
    public Token Next(out Directive? directive)
    {
        directive = null;
        SkipTrivia(out directive);
        if (directive != null) return null!;
        if (_pos >= _text.Length) return Make(TokenKind.EndOfFile, "", _pos, _pos);
        var start = _pos;
        var c = _text[_pos];
        if (char.IsAsciiLetter(c) || c == '_') return ScanWord(start);
        if (char.IsAsciiDigit(c)) return ScanNumberOrAddress(start);
        switch (c)
        {
            case '"': return ScanDoubleQuoted(start);
            case '\'': return ScanSingleQuoted(start);
            case '$': return ScanPseudoVariable(start);
            case '@': return ScanSelect(start);
            case '[':
                var v6 = TryScanIpv6(start);
                if (v6 != null) return v6;
                _pos++;
                return Make(TokenKind.LBracket, "[", start, _pos);
        }
        return ScanPunctuation(start);
    }

    /// <summary>
    /// Inside a false #!ifdef branch: skip text until the next conditional directive, as Kamailio's
    /// skip state does (comments and strings are not recognised there).
    /// </summary>
    public Directive? SkipToConditional()
    {
        while (_pos < _text.Length)
        {
            if (IsDirectiveStart(_pos, out var word) && word is "ifdef" or "ifndef" or "else" or "endif")
            {
                return ReadDirective(word);
            }
            _pos++;
        }
        return null;
    }

    private void SkipTrivia(out Directive? directive)
    {
        directive = null;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (char.IsWhiteSpace(c)) { _pos++; continue; }
            if ((c == '#' || c == '!') && IsDirectiveStart(_pos, out var word))
            {
                directive = ReadDirective(word);
                return;
            }
            if (c == '/' && Peek(1) == '/' && Peek(2) == '!' && StartsWithWord(_pos + 3) is "KAMAILIO" or "OPENSER")
            {
                // '//!KAMAILIO' is accepted as the mode marker too.
                var w2 = StartsWithWord(_pos + 3);
                _pos++;
                directive = ReadDirective(w2);
                return;
            }
            if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
                continue;
            }
            if (c == '/' && Peek(1) == '*')
            {
                SkipBlockComment();
                continue;
            }
            return;
        }
    }

    private void SkipBlockComment()
    {
        var start = _pos;
        var depth = 0;
        while (_pos < _text.Length)
        {
            if (_text[_pos] == '/' && Peek(1) == '*') { depth++; _pos += 2; continue; }
            if (_text[_pos] == '*' && Peek(1) == '/')
            {
                depth--;
                _pos += 2;
                if (depth == 0) return;
                continue;
            }
            _pos++;
        }
        Diagnostics.Error(DiagnosticCode.Syntax, At(start), "unterminated /* comment");
    }

    private string StartsWithWord(int at)
    {
        var i = at;
        while (i < _text.Length && char.IsAsciiLetter(_text[i])) i++;
        return _text[at..i];
    }

    private bool IsDirectiveStart(int at, out string word)
    {
        word = "";
        if (at + 2 > _text.Length) return false;
        var a = _text[at];
        if (!((a == '#' && _text[at + 1] == '!') || (a == '!' && _text[at + 1] == '!'))) return false;
        var i = at + 2;
        while (i < _text.Length && (char.IsAsciiLetterOrDigit(_text[i]) || _text[i] == '_')) i++;
        word = _text[(at + 2)..i];
        return DirectiveWords.Contains(word);
    }

    /// <summary>Reads a directive to the end of its line; backslash-newline continues it.</summary>
    private Directive ReadDirective(string word)
    {
        var start = _pos;
        _pos += 2 + word.Length;
        var arg = new StringBuilder();
        while (_pos < _text.Length && _text[_pos] != '\n')
        {
            if (_text[_pos] == '\\' && (Peek(1) == '\n' || (Peek(1) == '\r' && Peek(2) == '\n')))
            {
                _pos += Peek(1) == '\r' ? 3 : 2;
                arg.Append('\n');
                continue;
            }
            arg.Append(_text[_pos]);
            _pos++;
        }
        if (_pos < _text.Length) _pos++; // the newline belongs to the directive line
        return new Directive(word, arg.ToString().Trim(), At(start), start, _pos);
    }

    private char Peek(int ahead) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private Token Make(TokenKind kind, string text, int start, int end) =>
        new(kind, text, At(start), FileId, start, end);

    private Token ScanWord(int start)
    {
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
        var word = _text[start.._pos];
        // Single tokens in Kamailio's lexer.
        if ((word == "msg" || word == "uri") && Peek(0) == ':')
        {
            foreach (var tail in word == "msg" ? new[] { "len" } : ["host", "port"])
            {
                if (string.CompareOrdinal(_text, _pos + 1, tail, 0, tail.Length) == 0 &&
                    (_pos + 1 + tail.Length >= _text.Length || !char.IsAsciiLetterOrDigit(_text[_pos + 1 + tail.Length])))
                {
                    _pos += 1 + tail.Length;
                    return Make(TokenKind.CompoundKeyword, _text[start.._pos], start, _pos);
                }
            }
        }
        long? value = word switch
        {
            "yes" or "true" or "on" or "enable" => 1,
            "no" or "false" or "off" or "disable" => 0,
            _ => null,
        };
        if (value is { } v) return Make(TokenKind.Number, word, start, _pos) with { Number = v };
        return Make(TokenKind.Identifier, word, start, _pos);
    }

    private Token ScanNumberOrAddress(int start)
    {
        // Dotted quad first: NUMBER.NUMBER.NUMBER.NUMBER is an address, not four numbers.
        var i = start;
        var parts = 0;
        while (true)
        {
            var d = i;
            while (d < _text.Length && char.IsAsciiDigit(_text[d])) d++;
            if (d == i) break;
            parts++;
            i = d;
            if (parts == 4 || i >= _text.Length || _text[i] != '.' || i + 1 >= _text.Length || !char.IsAsciiDigit(_text[i + 1])) break;
            i++;
        }
        if (parts == 4 && (i >= _text.Length || !char.IsAsciiLetterOrDigit(_text[i])))
        {
            _pos = i;
            return Make(TokenKind.Ipv4, _text[start.._pos], start, _pos);
        }

        while (_pos < _text.Length && char.IsAsciiLetterOrDigit(_text[_pos])) _pos++;
        var text = _text[start.._pos];
        if (TryParseNumber(text, out var number)) return Make(TokenKind.Number, text, start, _pos) with { Number = number };
        Diagnostics.Error(DiagnosticCode.Syntax, At(start), $"invalid number '{text}'");
        return Make(TokenKind.Number, text, start, _pos);
    }

    /// <summary>Decimal, 0x hex, leading-zero octal, and binary with a 'b' suffix.</summary>
    internal static bool TryParseNumber(string text, out long value)
    {
        value = 0;
        try
        {
            if (text.Length > 2 && (text.StartsWith("0x", StringComparison.Ordinal) || text.StartsWith("0X", StringComparison.Ordinal)))
            {
                return long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
            }
            if (text.Length > 1 && text[^1] == 'b' && text[..^1].All(ch => ch is '0' or '1'))
            {
                value = Convert.ToInt64(text[..^1], 2);
                return true;
            }
            if (text.Length > 1 && text[0] == '0' && text.All(ch => ch is >= '0' and <= '7'))
            {
                value = Convert.ToInt64(text, 8);
                return true;
            }
            return text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private Token ScanDoubleQuoted(int start)
    {
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                Diagnostics.Error(DiagnosticCode.Syntax, At(start), "unterminated string");
                break;
            }
            var c = _text[_pos];
            if (c == '"') { _pos++; break; }
            if (c != '\\') { sb.Append(c); _pos++; continue; }
            var n = Peek(1);
            switch (n)
            {
                case 'n': sb.Append('\n'); _pos += 2; break;
                case 'r': sb.Append('\r'); _pos += 2; break;
                case 't': sb.Append('\t'); _pos += 2; break;
                case 'a': sb.Append('\a'); _pos += 2; break;
                case '\\': sb.Append('\\'); _pos += 2; break;
                case '"': sb.Append('"'); _pos += 2; break;
                case '\n': _pos += 2; break; // line continuation
                case '\r' when Peek(2) == '\n': _pos += 3; break;
                case 'x' when IsHex(Peek(2)) && IsHex(Peek(3)):
                    sb.Append((char)Convert.ToInt32(_text.Substring(_pos + 2, 2), 16));
                    _pos += 4;
                    break;
                default:
                    // \ooo needs two or three octal digits; "\1" stays literal (regex back-reference).
                    var digits = 0;
                    while (digits < 3 && IsOctal(Peek(1 + digits))) digits++;
                    if (digits >= 2)
                    {
                        sb.Append((char)Convert.ToInt32(_text.Substring(_pos + 1, digits), 8));
                        _pos += 1 + digits;
                    }
                    else
                    {
                        sb.Append('\\');
                        _pos++;
                    }
                    break;
            }
        }
        return Make(TokenKind.String, sb.ToString(), start, _pos);
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private Token ScanSingleQuoted(int start)
    {
        _pos++;
        var end = _text.IndexOf('\'', _pos);
        if (end < 0)
        {
            Diagnostics.Error(DiagnosticCode.Syntax, At(start), "unterminated string");
            end = _text.Length;
        }
        var value = _text[_pos..end];
        _pos = Math.Min(end + 1, _text.Length);
        return Make(TokenKind.String, value, start, _pos) with { SingleQuoted = true };
    }

    private Token ScanPseudoVariable(int start)
    {
        _pos++;
        if (Peek(0) == '(')
        {
            if (!SkipBalanced('(', ')')) Diagnostics.Error(DiagnosticCode.Syntax, At(start), "unterminated pseudo-variable");
            return Make(TokenKind.PseudoVariable, _text[start.._pos], start, _pos);
        }
        if (Peek(0) is '?' or '$')
        {
            _pos++;
            return Make(TokenKind.PseudoVariable, _text[start.._pos], start, _pos);
        }
        var nameStart = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
        if (_pos == nameStart)
        {
            Diagnostics.Error(DiagnosticCode.Syntax, At(start), "'$' must start a pseudo-variable name");
            return Make(TokenKind.Invalid, "$", start, _pos);
        }
        if (Peek(0) == '(' && !SkipBalanced('(', ')')) Diagnostics.Error(DiagnosticCode.Syntax, At(start), "unterminated pseudo-variable");
        if (Peek(0) == '[' && !SkipBalanced('[', ']')) Diagnostics.Error(DiagnosticCode.Syntax, At(start), "unterminated pseudo-variable index");
        return Make(TokenKind.PseudoVariable, _text[start.._pos], start, _pos);
    }

    /// <summary>Advances over a bracketed group, counting nested brackets of the same kind and skipping quoted text.</summary>
    private bool SkipBalanced(char open, char close)
    {
        var depth = 0;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c == '\n') return false;
            if (c == open) depth++;
            else if (c == close)
            {
                depth--;
                if (depth == 0) { _pos++; return true; }
            }
            _pos++;
        }
        return false;
    }

    private Token ScanSelect(int start)
    {
        _pos++;
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.') { _pos++; continue; }
            if (c == '[' && SkipBalanced('[', ']')) continue;
            break;
        }
        return Make(TokenKind.Select, _text[start.._pos], start, _pos);
    }

    private Token? TryScanIpv6(int start)
    {
        var close = _text.IndexOf(']', start);
        if (close < 0) return null;
        var inner = _text.AsSpan(start + 1, close - start - 1);
        var colons = 0;
        foreach (var ch in inner)
        {
            if (ch == ':') colons++;
            else if (!char.IsAsciiHexDigit(ch) && ch != '.') return null;
        }
        if (colons < 2) return null;
        _pos = close + 1;
        return Make(TokenKind.Ipv6, inner.ToString(), start, _pos);
    }

    private Token ScanPunctuation(int start)
    {
        var c = _text[_pos];
        var n = Peek(1);
        (TokenKind kind, int len) = (c, n) switch
        {
            ('(', _) => (TokenKind.LParen, 1),
            (')', _) => (TokenKind.RParen, 1),
            ('{', _) => (TokenKind.LBrace, 1),
            ('}', _) => (TokenKind.RBrace, 1),
            (']', _) => (TokenKind.RBracket, 1),
            (',', _) => (TokenKind.Comma, 1),
            (';', _) => (TokenKind.Semicolon, 1),
            (':', '=') => (TokenKind.ColonAssign, 2),
            (':', _) => (TokenKind.Colon, 1),
            ('.', _) => (TokenKind.Dot, 1),
            ('=', '=') => (TokenKind.Equal, 2),
            ('=', '~') => (TokenKind.Match, 2),
            ('=', _) => (TokenKind.Assign, 1),
            ('!', '=') => (TokenKind.NotEqual, 2),
            ('!', '~') => (TokenKind.NotMatch, 2),
            ('!', _) => (TokenKind.Bang, 1),
            ('<', '<') => (TokenKind.ShiftLeft, 2),
            ('<', '=') => (TokenKind.LessEqual, 2),
            ('<', _) => (TokenKind.Less, 1),
            ('>', '>') => (TokenKind.ShiftRight, 2),
            ('>', '=') => (TokenKind.GreaterEqual, 2),
            ('>', _) => (TokenKind.Greater, 1),
            ('+', '=') => (TokenKind.PlusAssign, 2),
            ('+', _) => (TokenKind.Plus, 1),
            ('-', _) => (TokenKind.Minus, 1),
            ('*', _) => (TokenKind.Star, 1),
            ('/', _) => (TokenKind.Slash, 1),
            ('%', _) => (TokenKind.Percent, 1),
            ('~', _) => (TokenKind.Tilde, 1),
            ('&', '&') => (TokenKind.AndAnd, 2),
            ('&', _) => (TokenKind.Ampersand, 1),
            ('|', '|') => (TokenKind.OrOr, 2),
            ('|', _) => (TokenKind.Pipe, 1),
            ('^', _) => (TokenKind.Caret, 1),
            _ => (TokenKind.Invalid, 1),
        };
        _pos += len;
        var tok = Make(kind, _text[start.._pos], start, _pos);
        if (kind == TokenKind.Invalid) Diagnostics.Error(DiagnosticCode.Syntax, tok.Location, $"unexpected character '{c}'");
        return tok;
    }
}

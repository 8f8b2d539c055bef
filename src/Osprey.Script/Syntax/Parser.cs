using Osprey.Script.Ast;
using Osprey.Script.Diagnostics;

namespace Osprey.Script.Syntax;

/// <summary>
/// Recursive-descent parser for the kamailio.cfg grammar (5.6). On an error it reports
/// <c>file:line:col: message</c>, skips to the end of the statement (';' or the enclosing '}')
/// or to the next top-level item, and goes on, so one run reports every independent error.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> RouteKeywords =
        ["request_route", "route", "branch_route", "failure_route", "onreply_route", "reply_route", "onsend_route", "event_route"];

    private static readonly HashSet<string> SocketProtocols =
        ["udp", "tcp", "tls", "sctp", "ws", "wss", "any", "UDP", "TCP", "TLS", "SCTP", "WS", "WSS", "ANY"];

    private readonly IReadOnlyList<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private int _pos;

    private readonly List<CoreParam> _params = [];
    private readonly List<CustomConfigVar> _customVars = [];
    private readonly List<LoadModule> _modules = [];
    private readonly List<ModParam> _modParams = [];
    private readonly List<RouteBlock> _routes = [];
    private readonly List<FlagDeclaration> _flags = [];
    private readonly List<string> _modulePaths = [];
    private string? _engine;

    /// <summary>Unwinds to the nearest recovery point; never leaves the parser.</summary>
    private sealed class ParseError : Exception;

    public Parser(IReadOnlyList<Token> tokens, DiagnosticBag diagnostics)
    {
        _tokens = tokens;
        _diagnostics = diagnostics;
    }

    private Token Current => _tokens[_pos];
    private Token PeekToken(int ahead = 1) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];
    private bool At(TokenKind kind) => Current.Kind == kind;
    private bool AtWord(string word) => Current.Is(word);

    private Token Advance()
    {
        var t = Current;
        if (_pos < _tokens.Count - 1) _pos++;
        return t;
    }

    private bool Accept(TokenKind kind)
    {
        if (!At(kind)) return false;
        Advance();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (At(kind)) return Advance();
        throw Fail(Current.Location, $"expected {what}, found {Current}");
    }

    private ParseError Fail(SourceLocation at, string message)
    {
        _diagnostics.Error(DiagnosticCode.Syntax, at, message);
        return new ParseError();
    }

    public ConfigFile ParseConfig()
    {
        while (!At(TokenKind.EndOfFile))
        {
            var before = _pos;
            try
            {
                ParseTopLevel();
            }
            catch (ParseError)
            {
                RecoverTopLevel(before);
            }
        }
        return new ConfigFile(_params, _customVars, _modules, _modParams, _routes, _flags, _modulePaths, _engine);
    }

    /// <summary>Skips to something that can start a top-level item, stepping over whole blocks.</summary>
    private void RecoverTopLevel(int before)
    {
        if (_pos == before) Advance();
        while (!At(TokenKind.EndOfFile))
        {
            if (At(TokenKind.LBrace)) { SkipBalanced(); continue; }
            if (At(TokenKind.Identifier) &&
                (RouteKeywords.Contains(Current.Text) || Current.Text is "loadmodule" or "modparam" or "loadpath" ||
                 PeekToken().Kind == TokenKind.Assign) &&
                Current.Location.Line != _tokens[Math.Max(0, _pos - 1)].Location.Line)
            {
                return;
            }
            Advance();
        }
    }

    private void SkipBalanced()
    {
        var depth = 0;
        do
        {
            if (At(TokenKind.LBrace)) depth++;
            else if (At(TokenKind.RBrace)) depth--;
            Advance();
        } while (depth > 0 && !At(TokenKind.EndOfFile));
    }

    private void ParseTopLevel()
    {
        var t = Current;
        if (Accept(TokenKind.Semicolon)) return;
        if (t.Kind != TokenKind.Identifier) throw Fail(t.Location, $"unexpected {t} at top level");
        switch (t.Text)
        {
            case "loadmodule" or "loadmodulex":
            {
                Advance();
                var path = ExpectString("module name");
                _modules.Add(new LoadModule(path, Preprocessor.ModuleNameOf(path), t.Location));
                Accept(TokenKind.Semicolon);
                return;
            }
            case "loadpath":
                Advance();
                Accept(TokenKind.Assign);
                _modulePaths.Add(ExpectString("module directory"));
                Accept(TokenKind.Semicolon);
                return;
            case "modparam" or "modparamx":
                ParseModParam();
                return;
            case "cfgengine":
                Advance();
                _engine = ExpectString("engine name");
                Accept(TokenKind.Semicolon);
                return;
            case "flags" or "avpflags" when PeekToken().Kind == TokenKind.Identifier:
                ParseFlagDeclarations(t.Text == "avpflags");
                return;
        }
        if (RouteKeywords.Contains(t.Text))
        {
            _routes.Add(ParseRouteBlock());
            return;
        }
        if (PeekToken().Kind == TokenKind.Dot)
        {
            ParseCustomVar();
            return;
        }
        if (PeekToken().Kind == TokenKind.Assign)
        {
            ParseCoreParam();
            return;
        }
        throw Fail(t.Location, $"unexpected '{t.Text}' at top level (expected a parameter, loadmodule, modparam or route block)");
    }

    private string ExpectString(string what)
    {
        if (!At(TokenKind.String)) throw Fail(Current.Location, $"expected quoted {what}, found {Current}");
        return JoinStrings();
    }

    /// <summary>Reads a string token plus any directly following double-quoted strings (joined, as Kamailio's lexer does).</summary>
    private string JoinStrings()
    {
        var first = Advance();
        if (first.SingleQuoted) return first.Text;
        var value = first.Text;
        while (At(TokenKind.String) && !Current.SingleQuoted) value += Advance().Text;
        return value;
    }

    private void ParseModParam()
    {
        var at = Advance().Location;
        Expect(TokenKind.LParen, "'(' after modparam");
        var module = ExpectString("module name");
        Expect(TokenKind.Comma, "','");
        var name = ExpectString("parameter name");
        Expect(TokenKind.Comma, "','");
        var value = ParseExpression();
        Expect(TokenKind.RParen, "')' to close modparam");
        Accept(TokenKind.Semicolon);
        _modParams.Add(new ModParam(module, name, value, at));
    }

    private void ParseFlagDeclarations(bool avp)
    {
        Advance();
        do
        {
            var name = Expect(TokenKind.Identifier, "flag name");
            long? bit = null;
            if (Accept(TokenKind.Colon)) bit = Expect(TokenKind.Number, "flag number").Number;
            _flags.Add(new FlagDeclaration(name.Text, bit, avp, name.Location));
        } while (Accept(TokenKind.Comma));
        Accept(TokenKind.Semicolon);
    }

    private void ParseCustomVar()
    {
        var group = Advance();
        Advance(); // '.'
        var name = Expect(TokenKind.Identifier, "variable name after '.'");
        Expect(TokenKind.Assign, "'='");
        var value = ParseParamValue(isSocket: false);
        string? description = null;
        if (AtWord("desc"))
        {
            Advance();
            description = ExpectString("description");
        }
        Accept(TokenKind.Semicolon);
        _customVars.Add(new CustomConfigVar(group.Text, name.Text, value, description, group.Location));
    }

    private void ParseCoreParam()
    {
        var name = Advance();
        Advance(); // '='
        var value = ParseParamValue(isSocket: name.Text is "listen" or "alias" or "advertised_address");
        Accept(TokenKind.Semicolon);
        if (name.Text is "mpath" && value is StringParamValue s) _modulePaths.Add(s.Value);
        _params.Add(new CoreParam(name.Text, value, name.Location));
    }

    private ParamValue ParseParamValue(bool isSocket)
    {
        var t = Current;
        if (isSocket) return ParseSocketList();
        if (At(TokenKind.Minus) && PeekToken().Kind == TokenKind.Number)
        {
            Advance();
            return new IntParamValue(-Advance().Number, t.Location);
        }
        switch (t.Kind)
        {
            case TokenKind.Number: Advance(); return new IntParamValue(t.Number, t.Location);
            case TokenKind.String: return new StringParamValue(JoinStrings(), t.Location);
            case TokenKind.Identifier or TokenKind.Ipv4: return new WordParamValue(ReadHostLike(), t.Location);
        }
        throw Fail(t.Location, $"expected a value, found {t}");
    }

    /// <summary>Host names and similar: words, numbers, dots and dashes written without spaces.</summary>
    private string ReadHostLike()
    {
        var first = Advance();
        var text = first.Text;
        while ((At(TokenKind.Dot) || At(TokenKind.Minus)) && Adjacent(_tokens[_pos - 1], Current) &&
               PeekToken().Kind is TokenKind.Identifier or TokenKind.Number or TokenKind.Ipv4 && Adjacent(Current, PeekToken()))
        {
            text += Advance().Text;
            text += Advance().Text;
        }
        return text;
    }

    /// <summary>
    /// True when nothing separates two tokens. Tokens of one define expansion share the position of
    /// the name they replaced, so they count as adjacent (listen=MY_ADDR with MY_ADDR a host name).
    /// </summary>
    private static bool Adjacent(Token a, Token b) =>
        a.FileId == b.FileId && (a.FromDefine || b.FromDefine ? a.FromDefine && b.FromDefine && a.Start == b.Start : a.End == b.Start);

    private SocketParamValue ParseSocketList()
    {
        var at = Current.Location;
        var sockets = new List<SocketAddress>();
        var line = Current.Location;
        do
        {
            if (Accept(TokenKind.LParen))
            {
                do sockets.Add(ParseSocket()); while (Accept(TokenKind.Comma));
                Expect(TokenKind.RParen, "')'");
            }
            else sockets.Add(ParseSocket());
        } while (IsSocketStartOnLine(line));
        string? advertise = null, sockName = null;
        var isVirtual = false;
        while (At(TokenKind.Identifier) && Current.Location.Line == line.Line && Current.Location.File == line.File)
        {
            if (AtWord("advertise") || AtWord("ADVERTISE"))
            {
                Advance();
                var a = ParseSocket();
                advertise = a.Port == null ? a.Host : a.Host + ":" + a.Port;
            }
            else if (AtWord("name")) { Advance(); sockName = ExpectString("socket name"); }
            else if (AtWord("virtual")) { Advance(); isVirtual = true; }
            else break;
        }
        return new SocketParamValue(sockets, advertise, sockName, isVirtual, at);
    }

    private bool IsSocketStartOnLine(SourceLocation line) =>
        Current.Location.Line == line.Line && Current.Location.File == line.File &&
        (Current.Kind is TokenKind.Ipv4 or TokenKind.Ipv6 or TokenKind.String ||
         (Current.Kind == TokenKind.Identifier && !(Current.Text is "advertise" or "ADVERTISE" or "name" or "virtual") && PeekToken().Kind != TokenKind.Assign && PeekToken().Kind != TokenKind.Dot));

    private SocketAddress ParseSocket()
    {
        string? proto = null;
        if (At(TokenKind.Identifier) && SocketProtocols.Contains(Current.Text) && PeekToken().Kind == TokenKind.Colon)
        {
            proto = Advance().Text;
            Advance();
        }
        string host;
        if (At(TokenKind.Ipv4) || At(TokenKind.Identifier)) host = ReadHostLike();
        else if (At(TokenKind.Ipv6)) host = "[" + Advance().Text + "]";
        else if (At(TokenKind.String)) host = JoinStrings();
        else if (At(TokenKind.Star)) host = Advance().Text;
        else throw Fail(Current.Location, $"expected an address, found {Current}");
        string? port = null;
        if (Accept(TokenKind.Colon))
        {
            if (At(TokenKind.Number) || At(TokenKind.Star)) port = Advance().Text;
            else throw Fail(Current.Location, $"expected a port number, found {Current}");
        }
        return new SocketAddress(proto, host, port);
    }

    private RouteBlock ParseRouteBlock()
    {
        var keyword = Advance();
        string? name = null;
        var nameAt = keyword.Location;
        if (At(TokenKind.LBracket))
        {
            Advance();
            nameAt = Current.Location;
            if (keyword.Text == "event_route")
            {
                // Event route names (module:event, may contain '-') are read as written.
                var text = "";
                while (!At(TokenKind.RBracket) && !At(TokenKind.EndOfFile) && !At(TokenKind.LBrace)) text += Advance().Text;
                name = text;
            }
            else if (At(TokenKind.Identifier) || At(TokenKind.Number)) name = Advance().Text;
            else if (At(TokenKind.String)) name = JoinStrings();
            else throw Fail(Current.Location, $"expected a route name, found {Current}");
            Expect(TokenKind.RBracket, "']'");
        }
        var kind = keyword.Text switch
        {
            "request_route" => RouteKind.Request,
            "route" => name is null or "0" ? RouteKind.Request : RouteKind.Named,
            "branch_route" => RouteKind.Branch,
            "failure_route" => RouteKind.Failure,
            "onreply_route" => name is null or "0" ? RouteKind.Reply : RouteKind.OnReply,
            "reply_route" => RouteKind.Reply,
            "onsend_route" => RouteKind.OnSend,
            _ => RouteKind.Event,
        };
        if (kind is RouteKind.Request or RouteKind.Reply) name = null;
        if (name == null && kind is RouteKind.Branch or RouteKind.Failure or RouteKind.Event)
        {
            throw Fail(keyword.Location, $"{keyword.Text} needs a name: {keyword.Text}[NAME]");
        }
        if (!At(TokenKind.LBrace)) throw Fail(Current.Location, $"expected '{{' to start {keyword.Text}, found {Current}");
        var body = ParseBlock();
        return new RouteBlock(kind, name, body, keyword.Location);
    }

    private BlockStmt ParseBlock()
    {
        var open = Expect(TokenKind.LBrace, "'{'");
        var statements = new List<Stmt>();
        while (!At(TokenKind.RBrace))
        {
            if (At(TokenKind.EndOfFile)) throw Fail(open.Location, "'{' is never closed");
            var s = ParseStatementRecovering();
            if (s != null) statements.Add(s);
        }
        Advance();
        return new BlockStmt(statements, open.Location);
    }

    private Stmt? ParseStatementRecovering()
    {
        var before = _pos;
        try
        {
            return ParseStatement();
        }
        catch (ParseError)
        {
            RecoverStatement(before);
            return null;
        }
    }

    /// <summary>Skips to just after the next ';' or to the enclosing '}', stepping over nested blocks.</summary>
    private void RecoverStatement(int before)
    {
        if (_pos == before && !At(TokenKind.RBrace) && !At(TokenKind.EndOfFile)) Advance();
        while (!At(TokenKind.EndOfFile) && !At(TokenKind.RBrace))
        {
            if (At(TokenKind.LBrace)) { SkipBalanced(); continue; }
            if (Accept(TokenKind.Semicolon)) return;
            Advance();
        }
    }

    private Stmt ParseStatement()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.LBrace: return ParseBlock();
            case TokenKind.Semicolon: Advance(); return new EmptyStmt(t.Location);
            case TokenKind.PseudoVariable: return ParseAssignment();
            case TokenKind.Identifier: break;
            default: throw Fail(t.Location, $"unexpected {t}: expected a statement");
        }
        switch (t.Text)
        {
            case "if": return ParseIf();
            case "switch": return ParseSwitch();
            case "while":
            {
                Advance();
                var cond = ParseExpression();
                var body = ParseStatement();
                return new WhileStmt(cond, body, t.Location);
            }
            case "break":
                Advance();
                ExpectSemicolon();
                return new BreakStmt(t.Location);
            case "drop":
                Advance();
                if (Accept(TokenKind.LParen)) Expect(TokenKind.RParen, "')'");
                ExpectSemicolon();
                return new DropStmt(t.Location);
            case "return" or "exit":
            {
                Advance();
                Expr? value = null;
                // A bare word after exit/return is the next statement with a ';' missing, not a value.
                var startsValue = !At(TokenKind.Semicolon) && !At(TokenKind.RBrace) && !At(TokenKind.EndOfFile) &&
                                  !(At(TokenKind.Identifier) && PeekToken().Kind != TokenKind.LParen);
                if (startsValue)
                {
                    if (At(TokenKind.LParen) && PeekToken().Kind == TokenKind.RParen) { Advance(); Advance(); }
                    else value = ParseExpression();
                }
                ExpectSemicolon();
                return t.Text == "return" ? new ReturnStmt(value, t.Location) : new ExitStmt(value, t.Location);
            }
            case "else": throw Fail(t.Location, "'else' without 'if' (is a ';' missing before it?)");
            case "case" or "default": throw Fail(t.Location, $"'{t.Text}' outside a switch");
        }
        var call = ParseCall();
        ExpectSemicolon();
        return new ExprStmt(call, t.Location);
    }

    private void ExpectSemicolon()
    {
        if (Accept(TokenKind.Semicolon)) return;
        var previous = _tokens[Math.Max(0, _pos - 1)];
        throw Fail(Current.Location, Current.Is("else")
            ? $"missing ';' before 'else' (after {previous})"
            : $"expected ';' after {previous}, found {Current}");
    }

    private Stmt ParseAssignment()
    {
        var target = ParsePv(Advance());
        var opToken = Current;
        var op = opToken.Kind switch
        {
            TokenKind.Assign => AssignOp.Assign,
            TokenKind.ColonAssign => AssignOp.ColonAssign,
            TokenKind.PlusAssign => AssignOp.AddAssign,
            _ => throw Fail(opToken.Location, $"expected '=' after {target.Pv.Text}, found {opToken} (a pseudo-variable cannot be a statement)"),
        };
        Advance();
        if (op != AssignOp.Assign)
        {
            // Lexed by Kamailio 5.6 but rejected by its grammar; keep parsing to find later errors.
            _diagnostics.Error(DiagnosticCode.Syntax, opToken.Location, $"'{opToken.Text}' is not supported by Kamailio 5.6; write '{target.Pv.Text} = ...'");
        }
        if (target.Pv.Transformations.Count > 0)
        {
            _diagnostics.Error(DiagnosticCode.Syntax, target.Location, $"cannot assign to '{target.Pv.Text}': pseudo-variables with transformations are read-only");
        }
        var value = ParseExpression();
        ExpectSemicolon();
        return new AssignStmt(target, op, value, target.Location);
    }

    private Stmt ParseIf()
    {
        var at = Advance().Location;
        var cond = ParseExpression();
        var then = ParseStatement();
        Stmt? otherwise = null;
        if (AtWord("else"))
        {
            Advance();
            otherwise = ParseStatement();
        }
        return new IfStmt(cond, then, otherwise, at);
    }

    private Stmt ParseSwitch()
    {
        var at = Advance().Location;
        var value = ParseExpression();
        var open = Expect(TokenKind.LBrace, "'{' after switch expression");
        var cases = new List<SwitchCase>();
        while (!At(TokenKind.RBrace))
        {
            if (At(TokenKind.EndOfFile)) throw Fail(open.Location, "'{' is never closed");
            var labelToken = Current;
            Expr? label = null;
            var isRegex = false;
            try
            {
                if (AtWord("case"))
                {
                    Advance();
                    if (Accept(TokenKind.Slash)) isRegex = true;
                    label = ParseCaseLabel();
                }
                else if (AtWord("default")) Advance();
                else throw Fail(Current.Location, $"expected 'case' or 'default' in switch, found {Current}");
                Expect(TokenKind.Colon, "':' after case label");
            }
            catch (ParseError)
            {
                while (!At(TokenKind.EndOfFile) && !At(TokenKind.RBrace) && !AtWord("case") && !AtWord("default")) Advance();
                continue;
            }
            var body = new List<Stmt>();
            while (!At(TokenKind.RBrace) && !AtWord("case") && !AtWord("default") && !At(TokenKind.EndOfFile))
            {
                var s = ParseStatementRecovering();
                if (s != null) body.Add(s);
            }
            cases.Add(new SwitchCase(label, isRegex, body, labelToken.Location));
        }
        Advance();
        return new SwitchStmt(value, cases, at);
    }

    private Expr ParseCaseLabel()
    {
        var t = Current;
        if (At(TokenKind.Minus) && PeekToken().Kind == TokenKind.Number)
        {
            Advance();
            var n = Advance();
            return new IntLiteral(-n.Number, "-" + n.Text, t.Location);
        }
        if (At(TokenKind.Number)) { Advance(); return new IntLiteral(t.Number, t.Text, t.Location); }
        if (At(TokenKind.String)) return new StringLiteral(JoinStrings(), t.SingleQuoted, t.Location);
        throw Fail(t.Location, $"case label must be an integer or a string, found {t}");
    }

    /// <summary>A function call statement: NAME(args) or NAME without parentheses.</summary>
    private Expr ParseCall()
    {
        var name = Expect(TokenKind.Identifier, "a statement");
        if (name.Text == "route")
        {
            return ParseRouteCall(name);
        }
        if (!At(TokenKind.LParen))
        {
            if (At(TokenKind.Assign) || At(TokenKind.Dot))
            {
                throw Fail(name.Location, $"unexpected '{name.Text}{Current.Text}' inside a route block (core parameters and assignments to non-pseudo-variables belong outside routes)");
            }
            return new CallExpr(name.Text, [], false, name.Location);
        }
        Advance();
        var args = new List<Expr>();
        if (!At(TokenKind.RParen))
        {
            do args.Add(ParseArgument()); while (Accept(TokenKind.Comma));
        }
        Expect(TokenKind.RParen, $"')' to close the arguments of {name.Text}");
        return new CallExpr(name.Text, args, true, name.Location);
    }

    private Expr ParseRouteCall(Token name)
    {
        Expect(TokenKind.LParen, "'(' after route");
        var t = Current;
        Expr result;
        if ((At(TokenKind.Identifier) || At(TokenKind.Number)) && PeekToken().Kind == TokenKind.RParen)
        {
            Advance();
            result = new RouteCallExpr(t.Text, null, name.Location);
        }
        else if (At(TokenKind.String) && PeekToken().Kind == TokenKind.RParen)
        {
            Advance();
            result = new RouteCallExpr(t.Text, null, name.Location);
        }
        else
        {
            result = new RouteCallExpr(null, ParseExpression(), name.Location);
        }
        Expect(TokenKind.RParen, "')' to close route(...)");
        return result;
    }

    /// <summary>
    /// A function argument. Core actions take socket and host forms unquoted
    /// (force_send_socket(udp:1.2.3.4:5060), forward(gw.example.com)); those are glued into one word.
    /// </summary>
    private Expr ParseArgument()
    {
        var t = Current;
        if ((At(TokenKind.Identifier) || At(TokenKind.Ipv4)) && PeekToken().Kind is TokenKind.Colon or TokenKind.Dot && Adjacent(t, PeekToken()))
        {
            var text = "";
            while (!At(TokenKind.Comma) && !At(TokenKind.RParen) && !At(TokenKind.EndOfFile) && !At(TokenKind.Semicolon)) text += Advance().Text;
            return new BareWordExpr(text, t.Location);
        }
        return ParseExpression();
    }

    // ---- expressions: precedence climbing, lowest level first (cfg-surface.md 2.5) ----

    internal Expr ParseExpression() => ParseBinary(0);

    private static readonly BinaryOp[][] Levels =
    [
        [BinaryOp.LogicalOr],
        [BinaryOp.LogicalAnd],
        [BinaryOp.BitOr],
        [BinaryOp.BitAnd],
        [BinaryOp.BitXor],
        [BinaryOp.ShiftLeft],
        [BinaryOp.ShiftRight],
        [BinaryOp.Equal, BinaryOp.NotEqual, BinaryOp.Match, BinaryOp.NotMatch, BinaryOp.StrEqual, BinaryOp.StrNotEqual, BinaryOp.IntEqual, BinaryOp.IntNotEqual],
        [BinaryOp.Greater, BinaryOp.Less, BinaryOp.GreaterEqual, BinaryOp.LessEqual],
        [BinaryOp.Add, BinaryOp.Subtract],
        [BinaryOp.Multiply, BinaryOp.Divide, BinaryOp.Modulo],
    ];

    private BinaryOp? CurrentBinaryOp()
    {
        var t = Current;
        return t.Kind switch
        {
            TokenKind.OrOr => BinaryOp.LogicalOr,
            TokenKind.AndAnd => BinaryOp.LogicalAnd,
            TokenKind.Pipe => BinaryOp.BitOr,
            TokenKind.Ampersand => BinaryOp.BitAnd,
            TokenKind.Caret => BinaryOp.BitXor,
            TokenKind.ShiftLeft => BinaryOp.ShiftLeft,
            TokenKind.ShiftRight => BinaryOp.ShiftRight,
            TokenKind.Equal => BinaryOp.Equal,
            TokenKind.NotEqual => BinaryOp.NotEqual,
            TokenKind.Match => BinaryOp.Match,
            TokenKind.NotMatch => BinaryOp.NotMatch,
            TokenKind.Greater => BinaryOp.Greater,
            TokenKind.Less => BinaryOp.Less,
            TokenKind.GreaterEqual => BinaryOp.GreaterEqual,
            TokenKind.LessEqual => BinaryOp.LessEqual,
            TokenKind.Plus => BinaryOp.Add,
            TokenKind.Minus => BinaryOp.Subtract,
            TokenKind.Star => BinaryOp.Multiply,
            TokenKind.Slash => BinaryOp.Divide,
            TokenKind.Identifier => t.Text switch
            {
                "or" => BinaryOp.LogicalOr,
                "and" => BinaryOp.LogicalAnd,
                "eq" => BinaryOp.StrEqual,
                "ne" => BinaryOp.StrNotEqual,
                "ieq" => BinaryOp.IntEqual,
                "ine" => BinaryOp.IntNotEqual,
                "mod" => BinaryOp.Modulo,
                _ => null,
            },
            _ => null,
        };
    }

    private Expr ParseBinary(int level)
    {
        if (level == Levels.Length) return ParseUnary();
        var left = ParseBinary(level + 1);
        while (CurrentBinaryOp() is { } op && Array.IndexOf(Levels[level], op) >= 0)
        {
            var opToken = Advance();
            var right = ParseBinary(level + 1);
            left = new BinaryExpr(op, left, right, opToken.Location);
        }
        return left;
    }

    private Expr ParseUnary()
    {
        var t = Current;
        if (At(TokenKind.Bang) || AtWord("not")) { Advance(); return new UnaryExpr(UnaryOp.Not, ParseUnary(), t.Location); }
        if (At(TokenKind.Tilde)) { Advance(); return new UnaryExpr(UnaryOp.BitNot, ParseUnary(), t.Location); }
        if (At(TokenKind.Minus))
        {
            Advance();
            if (At(TokenKind.Number))
            {
                var n = Advance();
                return new IntLiteral(-n.Number, "-" + n.Text, t.Location);
            }
            return new UnaryExpr(UnaryOp.Negate, ParseUnary(), t.Location);
        }
        if (AtWord("defined")) { Advance(); return new UnaryExpr(UnaryOp.Defined, ParseUnary(), t.Location); }
        if (At(TokenKind.LParen) && PeekToken().Kind == TokenKind.Identifier && PeekToken().Text is "int" or "str" && PeekToken(2).Kind == TokenKind.RParen)
        {
            Advance();
            var type = Advance().Text == "int" ? CastType.Int : CastType.Str;
            Advance();
            return new CastExpr(type, ParseUnary(), t.Location);
        }
        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Number: Advance(); return new IntLiteral(t.Number, t.Text, t.Location);
            case TokenKind.String: return new StringLiteral(JoinStrings(), t.SingleQuoted, t.Location);
            case TokenKind.PseudoVariable: return ParsePv(Advance());
            case TokenKind.Select: Advance(); return new SelectExpr(t.Text[1..], t.Location);
            case TokenKind.Ipv4 or TokenKind.Ipv6: return ParseAddress();
            case TokenKind.CompoundKeyword: Advance(); return KeywordElement(new KeywordExpr(CoreKeywords.ByName[t.Text], t.Location));
            case TokenKind.LParen:
            {
                Advance();
                var inner = ParseExpression();
                Expect(TokenKind.RParen, "')'");
                return inner;
            }
            case TokenKind.Identifier: break;
            case TokenKind.Percent: throw Fail(t.Location, "'%' is not an operator (SER-style %avp is not supported); use 'mod' for modulo");
            default: throw Fail(t.Location, $"expected an expression, found {t}");
        }
        if (t.Text == "myself")
        {
            Advance();
            var me = new MyselfExpr(t.Location);
            // 'myself == uri' is the same element as 'uri == myself'.
            if (IsComparison() && PeekToken().Kind == TokenKind.Identifier && CoreKeywords.ByName.ContainsKey(PeekToken().Text))
            {
                var op = CurrentBinaryOp()!.Value;
                var opAt = Advance().Location;
                var kw = Advance();
                return new BinaryExpr(op, new KeywordExpr(CoreKeywords.ByName[kw.Text], kw.Location), me, opAt);
            }
            return me;
        }
        if (CoreKeywords.ByName.TryGetValue(t.Text, out var keyword) && PeekToken().Kind != TokenKind.LParen)
        {
            Advance();
            return KeywordElement(new KeywordExpr(keyword, t.Location));
        }
        if (t.Text is "strlen" or "strempty" && PeekToken().Kind == TokenKind.LParen)
        {
            Advance();
            Advance();
            var operand = ParseExpression();
            Expect(TokenKind.RParen, "')'");
            return new UnaryExpr(t.Text == "strlen" ? UnaryOp.StrLen : UnaryOp.StrEmpty, operand, t.Location);
        }
        if (PeekToken().Kind == TokenKind.LParen) return ParseCall();
        Advance();
        return new BareWordExpr(t.Text, t.Location);
    }

    private bool IsComparison() => CurrentBinaryOp() is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Match or BinaryOp.NotMatch
        or BinaryOp.StrEqual or BinaryOp.StrNotEqual or BinaryOp.Greater or BinaryOp.Less or BinaryOp.GreaterEqual or BinaryOp.LessEqual;

    /// <summary>
    /// A core keyword and its comparison form one grammar element ('!src_ip==1.2.3.4' negates the
    /// comparison). The right side may be an address, network, host name or bare word.
    /// </summary>
    private Expr KeywordElement(KeywordExpr keyword)
    {
        if (!IsComparison()) return keyword;
        var op = CurrentBinaryOp()!.Value;
        var opAt = Advance().Location;
        Expr right;
        var t = Current;
        if (t.Kind is TokenKind.Ipv4 or TokenKind.Ipv6) right = ParseAddress();
        else if (t.Is("myself")) { Advance(); right = new MyselfExpr(t.Location); }
        else if (t.Kind == TokenKind.Identifier && PeekToken().Kind != TokenKind.LParen && !CoreKeywords.ByName.ContainsKey(t.Text))
        {
            right = new BareWordExpr(ReadHostLike(), t.Location);
        }
        else right = ParseBinary(Array.FindIndex(Levels, l => l.Contains(BinaryOp.Add)));
        return new BinaryExpr(op, keyword, right, opAt);
    }

    private AddressExpr ParseAddress()
    {
        var t = Advance();
        int? prefix = null;
        if (At(TokenKind.Slash) && PeekToken().Kind == TokenKind.Number)
        {
            Advance();
            prefix = (int)Advance().Number;
        }
        return new AddressExpr(t.Text, prefix, t.Location);
    }

    private PvExpr ParsePv(Token t)
    {
        var pv = PvParser.Parse(t.Text, out var error);
        if (pv == null) throw Fail(t.Location, $"invalid pseudo-variable '{t.Text}': {error}");
        return new PvExpr(pv, t.Location);
    }
}

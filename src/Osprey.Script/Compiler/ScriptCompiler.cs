using System.Net;
using System.Reflection;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Ast;
using Osprey.Script.Diagnostics;
using Osprey.Script.Pv;
using Osprey.Script.Runtime;
using Osprey.Script.Semantics;
using Osprey.Script.Syntax;

namespace Osprey.Script.Compiler;

/// <summary>
/// Compiles checked route blocks into statement/expression objects with every name bound: PVs to
/// accessors, function calls to compiled delegates (by name, arity and route type), regexes compiled,
/// literals converted. Errors are diagnostics (<c>file:line:col: message</c>).
/// </summary>
internal sealed class ScriptCompiler
{
    private readonly ConfigFile _config;
    private readonly DiagnosticBag _diag;
    private readonly IReadOnlyList<LoadedModule> _modules;
    private readonly CompileEnv _env;
    private readonly Dictionary<string, CompiledRoute> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ModulePvExport Export, ModuleBase Instance)> _modulePvs = new(StringComparer.Ordinal);
    private readonly int _maxWhileLoops;

    public ScriptCompiler(ConfigFile config, DiagnosticBag diag, IReadOnlyList<LoadedModule> modules, Dictionary<string, int> varSlots,
        IReadOnlyDictionary<string, PvValue> customVars, int maxWhileLoops)
    {
        _config = config;
        _diag = diag;
        _modules = modules;
        _env = new CompileEnv(varSlots, customVars);
        _maxWhileLoops = maxWhileLoops;
        foreach (var m in modules)
        {
            foreach (var pv in m.Descriptor.PseudoVariables) _modulePvs[pv.Name] = (pv, m.Instance);
        }
    }

    public static RouteTypes TypeOf(RouteKind k) => k switch
    {
        RouteKind.Request => RouteTypes.Request,
        RouteKind.Named => RouteTypes.Request,
        RouteKind.Branch => RouteTypes.Branch,
        RouteKind.Failure => RouteTypes.Failure,
        RouteKind.OnReply => RouteTypes.OnReply,
        RouteKind.Reply => RouteTypes.CoreReply,
        RouteKind.OnSend => RouteTypes.OnSend,
        _ => RouteTypes.Event,
    };

    /// <summary>Compiles every route. Unnamed request routes (and core reply routes) are concatenated.</summary>
    public Dictionary<(RouteKind, string), CompiledRoute> CompileRoutes()
    {
        var result = new Dictionary<(RouteKind, string), CompiledRoute>();
        foreach (var r in _config.Routes.Where(r => r.Kind == RouteKind.Named))
        {
            if (!_named.ContainsKey(r.Name!)) _named[r.Name!] = new CompiledRoute(r.Name!, RouteTypes.Request);
        }
        foreach (var group in _config.Routes.GroupBy(r => (r.Kind, r.Name ?? "")))
        {
            var first = group.First();
            var route = first.Kind == RouteKind.Named ? _named[first.Name!] : new CompiledRoute(first.Name ?? "", TypeOf(first.Kind));
            _env.RouteName = first.Kind is RouteKind.Request ? "request_route" : first.Name;
            _env.RouteType = first.Kind == RouteKind.Named ? RouteTypes.Any : TypeOf(first.Kind);
            var body = new List<St>();
            foreach (var block in group) body.AddRange(CompileBlock(block.Body.Statements));
            route.Body = new BlockSt(body.ToArray());
            result[(first.Kind, first.Name ?? "")] = route;
        }
        return result;
    }

    private St[] CompileBlock(IReadOnlyList<Stmt> statements)
    {
        var list = new List<St>(statements.Count);
        foreach (var s in statements)
        {
            var c = CompileStatement(s);
            if (c is not NopSt) list.Add(c);
        }
        return list.ToArray();
    }

    private St CompileStatement(Stmt stmt)
    {
        _env.Location = stmt.Location;
        switch (stmt)
        {
            case BlockStmt b: return new BlockSt(CompileBlock(b.Statements));
            case IfStmt i: return new IfSt(Condition(i.Condition), CompileStatement(i.Then), i.Else is null ? null : CompileStatement(i.Else));
            case WhileStmt w: return new WhileSt(Condition(w.Condition), CompileStatement(w.Body), _maxWhileLoops);
            case BreakStmt: return BreakSt.Instance;
            case ReturnStmt r: return new ReturnSt(r.Value is null ? null : Expression(r.Value));
            case ExitStmt e: return new ExitSt(e.Value is null ? null : Expression(e.Value));
            case DropStmt: return new DropSt();
            case EmptyStmt: return NopSt.Instance;
            case SwitchStmt sw: return CompileSwitch(sw);
            case AssignStmt a:
            {
                var target = BindPv(a.Target.Pv, a.Target.Location);
                var value = Expression(a.Value);
                if (target is null) return NopSt.Instance;
                if (!target.CanWrite)
                {
                    _diag.Error(DiagnosticCode.PseudoVariable, a.Target.Location, $"cannot assign to '{a.Target.Pv.Text}': it is read-only");
                    return NopSt.Instance;
                }
                return new AssignSt(target, value);
            }
            case ExprStmt { Expression: CallExpr call }:
            {
                var ev = Expression(call);
                return ev is CallEv ce ? new CallSt(ce) : new EvalSt(ev);
            }
            case ExprStmt { Expression: RouteCallExpr rc }:
                return Expression(rc) is RouteCallEv re ? new RouteCallSt(re) : NopSt.Instance;
            case ExprStmt e: return new EvalSt(Expression(e.Expression));
        }
        _diag.Error(DiagnosticCode.Syntax, stmt.Location, "statement not supported by Osprey");
        return NopSt.Instance;
    }

    private St CompileSwitch(SwitchStmt sw)
    {
        var value = Expression(sw.Value);
        var body = new List<St>();
        Dictionary<int, int>? ints = null;
        var strs = new List<(string?, System.Text.RegularExpressions.Regex?, int)>();
        int def = -1;
        foreach (var c in sw.Cases)
        {
            int entry = body.Count;
            switch (c.Label)
            {
                case null: def = entry; break;
                case IntLiteral il when !c.IsRegex:
                    ints ??= [];
                    ints.TryAdd(unchecked((int)il.Value), entry);
                    break;
                case StringLiteral sl when c.IsRegex:
                {
                    var re = RegexCache.TryCreate(sl.Value, out var err);
                    if (re is null) _diag.Error(DiagnosticCode.Syntax, c.Location, $"bad regular expression \"{sl.Value}\": {err}");
                    strs.Add((null, re, entry));
                    break;
                }
                case StringLiteral sl: strs.Add((sl.Value, null, entry)); break;
                default: _diag.Error(DiagnosticCode.Syntax, c.Location, "case label must be an integer or a string"); break;
            }
            _env.Location = c.Location;
            body.AddRange(CompileBlock(c.Body));
        }
        if (ints is not null && strs.Count > 0)
        {
            _diag.Error(DiagnosticCode.Syntax, sw.Location, "switch mixes integer and string cases");
        }
        return new SwitchSt(value, body.ToArray(), strs.Count > 0 ? null : ints ?? [], strs.ToArray(), def);
    }

    private Ev Condition(Expr e) => Expression(e);

    // ---- expressions ----

    internal Ev Expression(Expr e)
    {
        switch (e)
        {
            case IntLiteral i: return new ConstEv(PvValue.FromInt(unchecked((int)i.Value)));
            case StringLiteral s: return new ConstEv(PvValue.FromString(s.Value));
            case BareWordExpr b: return new ConstEv(PvValue.FromString(b.Text));
            case AddressExpr a: return new ConstEv(PvValue.FromString(a.PrefixLength is null ? a.Address : a.Address + "/" + a.PrefixLength));
            case PvExpr p:
            {
                if (p.Pv.Name == "null" && p.Pv.Transformations.Count == 0) return new ConstEv(PvValue.Null);
                var acc = BindPv(p.Pv, p.Location);
                return acc is null ? new ConstEv(PvValue.Null) : new PvEv(acc);
            }
            case SelectExpr sel:
                if (sel.Path.StartsWith("cfg_get.", StringComparison.Ordinal) && _env.CustomVariable(sel.Path["cfg_get.".Length..]) is { } v) return new ConstEv(v);
                _diag.Error(DiagnosticCode.NotAvailableInOsprey, sel.Location, $"select '@{sel.Path}' is not available in Osprey yet");
                return new ConstEv(PvValue.Null);
            case KeywordExpr k: return KeywordValue(k);
            case MyselfExpr m:
                _diag.Error(DiagnosticCode.Syntax, m.Location, "'myself' must be compared with something (uri == myself)");
                return new ConstEv(PvValue.Null);
            case CastExpr c: return new CastEv(Expression(c.Operand), c.Type == CastType.Int);
            case UnaryExpr u:
                return u.Op switch
                {
                    UnaryOp.Not => new NotEv(Expression(u.Operand)),
                    UnaryOp.BitNot => new NegEv(Expression(u.Operand), true),
                    UnaryOp.Negate => new NegEv(Expression(u.Operand), false),
                    UnaryOp.Defined => new DefinedEv(Expression(u.Operand)),
                    UnaryOp.StrLen => new StrLenEv(Expression(u.Operand), false),
                    _ => new StrLenEv(Expression(u.Operand), true),
                };
            case BinaryExpr b: return Binary(b);
            case RouteCallExpr rc:
                if (rc.Target is not null)
                {
                    if (!_named.TryGetValue(rc.Target, out var target))
                    {
                        _diag.Error(DiagnosticCode.UndefinedRoute, rc.Location, $"route '{rc.Target}' is not defined");
                        return new ConstEv(Values.Int(-1));
                    }
                    return new RouteCallEv(target, null, null);
                }
                return new RouteCallEv(null, Expression(rc.Dynamic!), _named);
            case CallExpr call: return Call(call);
        }
        _diag.Error(DiagnosticCode.Syntax, e.Location, "expression not supported by Osprey");
        return new ConstEv(PvValue.Null);
    }

    private static bool IsNullPv(Expr e) => e is PvExpr { Pv: { Name: "null", Transformations.Count: 0 } };

    private Ev Binary(BinaryExpr b)
    {
        // X == $null means "X is not defined" (rewritten as Kamailio's parser does)
        if (b.Op is BinaryOp.Equal or BinaryOp.NotEqual && (IsNullPv(b.Left) || IsNullPv(b.Right)))
        {
            var other = IsNullPv(b.Right) ? b.Left : b.Right;
            var d = new DefinedEv(Expression(other));
            return b.Op == BinaryOp.Equal ? new NotEv(d) : d;
        }
        if (b.Left is KeywordExpr k && IsComparison(b.Op)) return KeywordComparison(k, b);
        if (b.Right is MyselfExpr && b.Op is BinaryOp.Equal or BinaryOp.NotEqual)
        {
            return new MyselfEv(MyselfTarget.Value, Expression(b.Left), b.Op == BinaryOp.NotEqual);
        }
        var l = Expression(b.Left);
        var r = Expression(b.Right);
        CheckConstantTypes(b, l, r);
        return b.Op switch
        {
            BinaryOp.LogicalAnd => new AndEv(l, r),
            BinaryOp.LogicalOr => new OrEv(l, r),
            BinaryOp.Equal => new CompareEv(CmpOp.Eq, l, r, false),
            BinaryOp.NotEqual => new CompareEv(CmpOp.Ne, l, r, false),
            BinaryOp.StrEqual => new CompareEv(CmpOp.StrEq, l, r, false),
            BinaryOp.StrNotEqual => new CompareEv(CmpOp.StrNe, l, r, false),
            BinaryOp.IntEqual => new IntBinEv(IntOp.IntEq, l, r),
            BinaryOp.IntNotEqual => new IntBinEv(IntOp.IntNe, l, r),
            BinaryOp.Match => Match(l, b.Right, r, false),
            BinaryOp.NotMatch => Match(l, b.Right, r, true),
            BinaryOp.Add => new AddEv(l, r),
            BinaryOp.Subtract => new IntBinEv(IntOp.Sub, l, r),
            BinaryOp.Multiply => new IntBinEv(IntOp.Mul, l, r),
            BinaryOp.Divide => new IntBinEv(IntOp.Div, l, r),
            BinaryOp.Modulo => new IntBinEv(IntOp.Mod, l, r),
            BinaryOp.BitAnd => new IntBinEv(IntOp.BitAnd, l, r),
            BinaryOp.BitOr => new IntBinEv(IntOp.BitOr, l, r),
            BinaryOp.BitXor => new IntBinEv(IntOp.BitXor, l, r),
            BinaryOp.ShiftLeft => new IntBinEv(IntOp.Shl, l, r),
            BinaryOp.ShiftRight => new IntBinEv(IntOp.Shr, l, r),
            BinaryOp.Greater => new IntBinEv(IntOp.Gt, l, r),
            BinaryOp.Less => new IntBinEv(IntOp.Lt, l, r),
            BinaryOp.GreaterEqual => new IntBinEv(IntOp.Ge, l, r),
            _ => new IntBinEv(IntOp.Le, l, r),
        };
    }

    /// <summary>Kamailio rejects operations on constants of the wrong type at start-up ("type mismatch").</summary>
    private void CheckConstantTypes(BinaryExpr b, Ev l, Ev r)
    {
        bool intOnly = b.Op is BinaryOp.IntEqual or BinaryOp.IntNotEqual or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Modulo or BinaryOp.BitAnd or BinaryOp.BitOr
            or BinaryOp.BitXor or BinaryOp.ShiftLeft or BinaryOp.ShiftRight or BinaryOp.Greater or BinaryOp.Less or BinaryOp.GreaterEqual or BinaryOp.LessEqual;
        if (intOnly)
        {
            foreach (var (side, ev) in new[] { (b.Left, l), (b.Right, r) })
            {
                if (ev is ConstEv { Value.IsString: true } && side is StringLiteral)
                {
                    _diag.Error(DiagnosticCode.Syntax, side.Location, "type mismatch: str instead of int");
                    return;
                }
            }
        }
        else if ((b.Op == BinaryOp.Add && l is ConstEv { Value.IsInt: true } && b.Right is StringLiteral) ||
                 (b.Op is BinaryOp.IntEqual or BinaryOp.IntNotEqual && (b.Left is StringLiteral || b.Right is StringLiteral)))
        {
            _diag.Error(DiagnosticCode.Syntax, b.Right.Location, "type mismatch: str instead of int");
        }
    }

    private Ev Match(Ev l, Expr rightExpr, Ev r, bool negate)
    {
        if (r is ConstEv k && RegexCache.TryCreate(Values.ToStr(k.Value), out var err) is null)
        {
            _diag.Error(DiagnosticCode.Syntax, rightExpr.Location, $"bad regular expression \"{Values.ToStr(k.Value)}\": {err}");
        }
        return new MatchEv(l, r, negate);
    }

    private static bool IsComparison(BinaryOp op) => op is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.Match or BinaryOp.NotMatch
        or BinaryOp.StrEqual or BinaryOp.StrNotEqual or BinaryOp.Greater or BinaryOp.Less or BinaryOp.GreaterEqual or BinaryOp.LessEqual
        or BinaryOp.IntEqual or BinaryOp.IntNotEqual;

    private Ev CorePv(string name) => new PvEv(CorePvs.Create(name, null, _env, out _)!);

    /// <summary>A condition keyword used as a value.</summary>
    private Ev KeywordValue(KeywordExpr k) => k.Keyword switch
    {
        CoreKeyword.Method => CorePv("rm"),
        CoreKeyword.Uri => CorePv("ru"),
        CoreKeyword.Status => CorePv("rs"),
        CoreKeyword.FromUri => CorePv("fu"),
        CoreKeyword.ToUri => CorePv("tu"),
        CoreKeyword.SrcIp => CorePv("si"),
        CoreKeyword.SrcPort => CorePv("sp"),
        CoreKeyword.DstIp => CorePv("Ri"),
        CoreKeyword.DstPort => CorePv("Rp"),
        CoreKeyword.Proto => new PvEv(new MessagePv(c => Values.Int(ProtoNumber(c.Protocol)), kind: ValueKind.Int)),
        CoreKeyword.Af => new PvEv(new MessagePv(c => Values.Int(c.Source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 10 : 2), kind: ValueKind.Int)),
        CoreKeyword.MsgLen => CorePv("ml"),
        CoreKeyword.MaxLen => new ConstEv(Values.Int(65535)),
        CoreKeyword.UriHost => CorePv("rd"),
        CoreKeyword.UriPort => CorePv("rp"),
        CoreKeyword.SndIp or CoreKeyword.ToIp => new PvEv(SndPvs.Create("ip", out _)!),
        CoreKeyword.SndPort or CoreKeyword.ToPort => new PvEv(SndPvs.Create("port", out _)!),
        CoreKeyword.SndProto => new PvEv(SndPvs.Create("proto", out _)!),
        CoreKeyword.SndAf => new PvEv(SndPvs.Create("af", out _)!),
        _ => Unsupported(k),
    };

    private Ev Unsupported(KeywordExpr k)
    {
        _diag.Error(DiagnosticCode.NotAvailableInOsprey, k.Location, $"condition keyword '{k.Keyword}' is only meaningful in onsend_route, which Osprey does not run yet");
        return new ConstEv(PvValue.Null);
    }

    private static int ProtoNumber(Osprey.Transport.SipProtocol p) => p switch
    {
        Osprey.Transport.SipProtocol.Udp => 1,
        Osprey.Transport.SipProtocol.Tcp => 2,
        Osprey.Transport.SipProtocol.Tls => 3,
        Osprey.Transport.SipProtocol.Sctp => 4,
        Osprey.Transport.SipProtocol.Ws => 5,
        _ => 6,
    };

    private Ev KeywordComparison(KeywordExpr k, BinaryExpr b)
    {
        bool neg = b.Op is BinaryOp.NotEqual or BinaryOp.StrNotEqual;
        bool eq = b.Op is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.StrEqual or BinaryOp.StrNotEqual;
        if (b.Right is MyselfExpr)
        {
            if (!eq) { _diag.Error(DiagnosticCode.Syntax, b.Location, "myself can only be compared with == or !="); return new ConstEv(Values.Zero); }
            var t = k.Keyword switch
            {
                CoreKeyword.Uri => MyselfTarget.RequestUri,
                CoreKeyword.FromUri => MyselfTarget.FromUri,
                CoreKeyword.ToUri => MyselfTarget.ToUri,
                CoreKeyword.SrcIp => MyselfTarget.SourceIp,
                CoreKeyword.DstIp => MyselfTarget.DestinationIp,
                _ => (MyselfTarget?)null,
            };
            if (t is null) { _diag.Error(DiagnosticCode.Syntax, b.Location, $"'{k.Keyword.ToString().ToLowerInvariant()}' cannot be compared with myself"); return new ConstEv(Values.Zero); }
            return new MyselfEv(t.Value, null, neg);
        }
        if (k.Keyword is CoreKeyword.SrcIp or CoreKeyword.DstIp && eq)
        {
            bool dst = k.Keyword == CoreKeyword.DstIp;
            switch (b.Right)
            {
                case AddressExpr a:
                    if (!IPAddress.TryParse(a.Address.Trim('[', ']'), out var ip)) { _diag.Error(DiagnosticCode.Syntax, a.Location, $"bad IP address '{a.Address}'"); return new ConstEv(Values.Zero); }
                    return new IpMatchEv(dst, [ip], a.PrefixLength ?? -1, null, neg);
                case BareWordExpr w:
                    try
                    {
                        var addrs = Dns.GetHostAddresses(w.Text);
                        return new IpMatchEv(dst, addrs, -1, null, neg);
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                        _diag.Error(DiagnosticCode.Syntax, w.Location, $"cannot resolve host name '{w.Text}'");
                        return new ConstEv(Values.Zero);
                    }
                default:
                    return new IpMatchEv(dst, [], -1, Expression(b.Right), neg);
            }
        }
        if (k.Keyword == CoreKeyword.Proto && b.Right is BareWordExpr pw)
        {
            if (!Osprey.Transport.SipProtocolExtensions.TryParse(pw.Text.ToLowerInvariant(), out var p))
            {
                _diag.Error(DiagnosticCode.Syntax, pw.Location, $"unknown protocol '{pw.Text}'");
                return new ConstEv(Values.Zero);
            }
            return new IntBinEv(neg ? IntOp.IntNe : IntOp.IntEq, KeywordValue(k), new ConstEv(Values.Int(ProtoNumber(p))));
        }
        if (k.Keyword == CoreKeyword.Af && b.Right is BareWordExpr aw)
        {
            int af = aw.Text.ToUpperInvariant() switch { "INET" or "IPV4" => 2, "INET6" or "IPV6" => 10, _ => -1 };
            return new IntBinEv(neg ? IntOp.IntNe : IntOp.IntEq, KeywordValue(k), new ConstEv(Values.Int(af)));
        }
        var left = KeywordValue(k);
        var right = b.Right is KeywordExpr rk ? KeywordValue(rk) : Expression(b.Right);
        bool ignoreCase = k.Keyword is CoreKeyword.Method or CoreKeyword.Uri or CoreKeyword.Status or CoreKeyword.FromUri or CoreKeyword.ToUri;
        if (k.Keyword == CoreKeyword.Status && right is ConstEv { Value.IsString: true } sc && Values.TryParseInt(sc.Value.Str, out var code))
        {
            right = new ConstEv(Values.Int(code));
        }
        return b.Op switch
        {
            BinaryOp.Equal or BinaryOp.StrEqual => new CompareEv(k.Keyword == CoreKeyword.Status ? CmpOp.Eq : CmpOp.StrEq, left, right, ignoreCase),
            BinaryOp.NotEqual or BinaryOp.StrNotEqual => new CompareEv(k.Keyword == CoreKeyword.Status ? CmpOp.Ne : CmpOp.StrNe, left, right, ignoreCase),
            BinaryOp.Match => Match(left, b.Right, right, false),
            BinaryOp.NotMatch => Match(left, b.Right, right, true),
            BinaryOp.Greater => new IntBinEv(IntOp.Gt, left, right),
            BinaryOp.Less => new IntBinEv(IntOp.Lt, left, right),
            BinaryOp.GreaterEqual => new IntBinEv(IntOp.Ge, left, right),
            BinaryOp.LessEqual => new IntBinEv(IntOp.Le, left, right),
            BinaryOp.IntEqual => new IntBinEv(IntOp.IntEq, left, right),
            _ => new IntBinEv(IntOp.IntNe, left, right),
        };
    }

    /// <summary>Compiles a module parameter's text as a format (pseudo-variables bound now, once); null
    /// with the message when a pseudo-variable in it is unknown.</summary>
    // ---- pseudo-variables ----

    /// <summary>Text with pseudo-variables for a module parameter (<see cref="IPvParameters"/>),
    /// bound now; <paramref name="script"/> supplies the per-thread state when the format is used outside
    /// a route. Null with an error when the text does not parse or names an unknown variable.</summary>
    internal ScriptFormat? CompileFormat(string text, Func<CompiledScript?> script, out string? error)
    {
        var parts = PvParser.ParseFormat(text, out error);
        if (parts is null)
        {
            error ??= "cannot parse '" + text + "'";
            return null;
        }
        int items = _diag.Items.Count, errors = _diag.ErrorCount;
        var evs = FormatParts(parts, SourceLocation.None);
        if (_diag.ErrorCount > errors)
        {
            error = "'" + text + "': " + _diag.Items.Last(d => d.IsError).Message;
            _diag.Rollback(items); // the caller reports it where the parameter is
            return null;
        }
        bool constant = true;
        var literal = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (part.Pv is not null) constant = false;
            else literal.Append(part.Literal);
        }
        Ev ev = constant ? new ConstEv(PvValue.FromString(literal.ToString())) : new FormatEv(evs.ToArray(), text);
        return new ModuleFormat(ev, text, script);
    }

    // the pieces of a string with pseudo-variables: literals as constants, variables printed as xlog does
    private List<Ev> FormatParts(IReadOnlyList<FormatPart> parts, SourceLocation at)
    {
        var evs = new List<Ev>(parts.Count);
        foreach (var part in parts)
        {
            if (part.Pv is null) evs.Add(new ConstEv(PvValue.FromString(part.Literal!)));
            else
            {
                var acc = BindPv(part.Pv, at);
                evs.Add(acc is null ? new ConstEv(PvValue.FromString("")) : new PrintPartEv(new PvEv(acc)));
            }
        }
        return evs;
    }

    internal PvAccessor? BindPv(PvRef pv, SourceLocation at)
    {
        _env.Location = at;
        PvAccessor? acc;
        if (pv.InnerPv is not null && pv.Name is "hdr" or "var" or "avp" or "shv")
        {
            var innerEv = Expression(new PvExpr(pv.InnerPv, at));
            var name = pv.Name;
            var env = _env;
            acc = new DynamicInnerPv(n => BaseAccessor(name, n, null, env, out _), innerEv);
        }
        else
        {
            acc = BaseAccessor(pv.Name, pv.Inner, pv.Index, _env, out var error);
            if (acc is null)
            {
                _diag.Error(error is null ? DiagnosticCode.NotAvailableInOsprey : DiagnosticCode.PseudoVariable, at,
                    error is null ? $"pseudo-variable '${pv.Name}' is not available in Osprey yet" : $"pseudo-variable '{pv.Text}': {error}");
                return null;
            }
        }
        if (pv.Transformations.Count > 0)
        {
            var chain = new List<Transforms.Transform>();
            foreach (var t in pv.Transformations)
            {
                var args = t.Arguments.Select(a => a.Pv is null ? new Transforms.TrArg(a.Literal, null) : new Transforms.TrArg(null, Expression(new PvExpr(a.Pv, at)))).ToArray();
                var tr = Transforms.Transforms.Create(t.Class, t.Name, args, out var err);
                if (tr is null)
                {
                    _diag.Error(DiagnosticCode.PseudoVariable, at, $"{err} in '{pv.Text}'");
                    return null;
                }
                chain.Add(tr);
            }
            acc = new TransformedPv(acc, chain.ToArray());
        }
        return acc;
    }

    private PvAccessor? BaseAccessor(string name, string? inner, PvIndex? index, CompileEnv env, out string? error)
    {
        error = null;
        switch (name)
        {
            case "avp":
            {
                if (string.IsNullOrEmpty(inner)) { error = "$avp needs a name"; return null; }
                var n = inner.StartsWith("s:", StringComparison.Ordinal) || inner.StartsWith("i:", StringComparison.Ordinal) ? inner[2..] : inner;
                Ev? dyn = index?.Pv is not null ? Expression(new PvExpr(index.Pv, env.Location)) : null;
                return new AvpPv(n, index?.Number ?? 0, index?.All ?? false, dyn);
            }
            case "xavp":
            {
                if (string.IsNullOrEmpty(inner)) { error = "$xavp needs a name"; return null; }
                var parts = inner.Split("=>", 2);
                var (root, ri) = SplitIndex(parts[0]);
                string? field = null;
                int fi = 0;
                if (parts.Length == 2) (field, fi) = SplitIndex(parts[1]);
                return new XavpPv(root, ri, field, Math.Max(0, fi));
            }
            case "hdr":
            {
                if (string.IsNullOrEmpty(inner)) { error = "$hdr needs a header name: $hdr(Name)"; return null; }
                return new HeaderPv(new HeaderName(inner), index?.Number ?? 0, index?.All ?? false);
            }
        }
        if (CorePvs.Names.Contains(name)) return CorePvs.Create(name, inner, env, out error);
        if (_modulePvs.TryGetValue(name, out var mp))
        {
            var get = (Func<MessageContext, string?, PvValue>)CreateDelegate(mp.Export.Getter, typeof(Func<MessageContext, string?, PvValue>), mp.Instance);
            var set = mp.Export.Setter is null ? null : (Action<MessageContext, string?, PvValue>)CreateDelegate(mp.Export.Setter, typeof(Action<MessageContext, string?, PvValue>), mp.Instance);
            Ev? innerFormat = null;
            if (inner is not null && inner.Contains('$', StringComparison.Ordinal) && PvParser.ParseFormat(inner, out _) is { } parts && parts.Any(p => p.Pv is not null))
            {
                innerFormat = new FormatEv(parts.Select(p => p.Pv is null
                    ? (Ev)new ConstEv(PvValue.FromString(p.Literal!))
                    : BindPv(p.Pv, env.Location) is { } a ? new PvEv(a) : new ConstEv(PvValue.FromString(""))).ToArray(), inner);
            }
            return new ModulePv(get, set, inner, innerFormat);
        }
        return null;
    }

    private static Delegate CreateDelegate(MethodInfo m, Type t, object instance) => m.IsStatic ? m.CreateDelegate(t) : m.CreateDelegate(t, instance);

    private static (string Name, int Index) SplitIndex(string s)
    {
        int b = s.IndexOf('[');
        if (b < 0 || !s.EndsWith(']')) return (s, -1);
        return int.TryParse(s.AsSpan(b + 1, s.Length - b - 2), System.Globalization.CultureInfo.InvariantCulture, out var i) ? (s[..b], i) : (s[..b], -1);
    }

    // ---- function calls ----

    private Ev Call(CallExpr call)
    {
        _env.Location = call.Location;
        if (call.Name == "selval" && call.Arguments.Count == 3)
        {
            return new SelectEv(Expression(call.Arguments[0]), Expression(call.Arguments[1]), Expression(call.Arguments[2]));
        }
        var candidates = FindExports(call.Name);
        if (candidates.Count == 0)
        {
            _diag.Error(DiagnosticCode.NotAvailableInOsprey, call.Location, $"function '{call.Name}' is not available in Osprey yet");
            return new ConstEv(Values.Int(-1));
        }
        int n = call.Arguments.Count;
        var match = candidates.FirstOrDefault(x => x.Export.MinArity <= n && n <= x.Export.MaxArity);
        if (match.Export is null)
        {
            var arities = string.Join(" or ", candidates.SelectMany(x => Enumerable.Range(x.Export.MinArity, x.Export.MaxArity - x.Export.MinArity + 1)).Distinct().Order());
            _diag.Error(DiagnosticCode.WrongArity, call.Location, $"function '{call.Name}' (module '{candidates[0].Export.Module}') takes {arities} argument(s) in Osprey, not {n}");
            return new ConstEv(Values.Int(-1));
        }
        var rt = _env.RouteType;
        if (rt != RouteTypes.Any)
        {
            var allowed = match.Export.Routes;
            bool ok = (allowed & rt) != 0 || (rt == RouteTypes.Event && (allowed & RouteTypes.Request) != 0);
            if (!ok)
            {
                _diag.Error(DiagnosticCode.Syntax, call.Location, $"function '{call.Name}' cannot be used in {RouteTypeName(rt)} (allowed in: {AllowedNames(allowed)})");
                return new ConstEv(Values.Int(-1));
            }
        }
        var ps = match.Export.Method.GetParameters();
        var args = new List<BoundArgument>();
        for (int i = 0; i < n; i++)
        {
            var a = call.Arguments[i];
            var ptype = ps.Length > i + 1 ? ps[i + 1].ParameterType : typeof(string);
            args.Add(Argument(a, ptype));
        }
        var bound = FunctionBinder.Bind(match.Export, match.Instance, args, out var error);
        if (bound is null)
        {
            _diag.Error(DiagnosticCode.Syntax, call.Location, error!);
            return new ConstEv(Values.Int(-1));
        }
        if (match.Instance is IScriptFixup fixup)
        {
            var literals = new string?[n];
            for (int i = 0; i < n; i++) literals[i] = call.Arguments[i] is StringLiteral or IntLiteral or BareWordExpr ? args[i].Text : null;
            if (fixup.Fixup(call.Name, literals) is { } why) _diag.Error(DiagnosticCode.Syntax, call.Location, why);
        }
        return new CallEv(bound, call.Name, match.Export.Module != CoreFunctions.CoreActions.ModuleName);
    }

    /// <summary>A text with pseudo-variables (<c>log_prefix</c>) compiled like a function's format argument;
    /// null when it has none.</summary>
    internal ScriptFormat? Format(string text)
    {
        if (!text.Contains('$', StringComparison.Ordinal)) return null;
        var bound = Argument(new StringLiteral(text, false, SourceLocation.None), typeof(ScriptFormat));
        return bound.Value is ConstEv ? null : new ScriptFormatArgument(bound.Value, text);
    }

    private BoundArgument Argument(Expr a, Type ptype)
    {
        var text = a switch { StringLiteral s => s.Value, PvExpr p => p.Pv.Text, BareWordExpr w => w.Text, IntLiteral i => i.Text, _ => "expression" };
        if (ptype == typeof(ScriptPv))
        {
            PvRef? pv = a switch
            {
                PvExpr p => p.Pv,
                StringLiteral s when s.Value.StartsWith('$') => PvParser.Parse(s.Value, out _),
                _ => null,
            };
            var acc = pv is null ? null : BindPv(pv, a.Location);
            return new BoundArgument(new ConstEv(PvValue.FromString(text)), acc, text, a is StringLiteral);
        }
        if (a is StringLiteral sl && !sl.SingleQuoted && sl.Value.Contains('$', StringComparison.Ordinal))
        {
            var parts = PvParser.ParseFormat(sl.Value, out _);
            if (parts is not null)
            {
                var evs = FormatParts(parts, a.Location);
                if (evs.All(x => x is ConstEv)) return new BoundArgument(new ConstEv(PvValue.FromString(string.Concat(evs.Select(x => ((ConstEv)x).Value.Str)))), null, text, true);
                return new BoundArgument(new FormatEv(evs.ToArray(), sl.Value), null, text, true);
            }
        }
        var ev = Expression(a);
        var pvAcc = ev is PvEv pe ? pe.Pv : null;
        return new BoundArgument(ev, pvAcc, text, a is StringLiteral);
    }

    /// <summary>Exports named <paramref name="name"/>: core actions only from the core module; otherwise the
    /// module loaded last wins (Kamailio's rule), with all its arities.</summary>
    private List<(ModuleFunctionExport Export, ModuleBase Instance)> FindExports(string name)
    {
        var result = new List<(ModuleFunctionExport, ModuleBase)>();
        bool core = KamailioSurface.CoreActions.Contains(name);
        for (int i = _modules.Count - 1; i >= 0; i--)
        {
            var m = _modules[i];
            if (core != (m.Name == CoreFunctions.CoreActions.ModuleName)) continue;
            foreach (var f in m.Descriptor.Functions)
            {
                if (f.Name == name) result.Add((f, m.Instance));
            }
            if (result.Count > 0) break;
        }
        return result;
    }

    private static string RouteTypeName(RouteTypes t) => t switch
    {
        RouteTypes.Request => "request_route",
        RouteTypes.Failure => "failure_route",
        RouteTypes.OnReply => "onreply_route",
        RouteTypes.Branch => "branch_route",
        RouteTypes.OnSend => "onsend_route",
        RouteTypes.Event => "event_route",
        RouteTypes.CoreReply => "reply_route",
        _ => t.ToString(),
    };

    private static string AllowedNames(RouteTypes allowed)
    {
        var names = new List<string>();
        foreach (var t in new[] { RouteTypes.Request, RouteTypes.Failure, RouteTypes.OnReply, RouteTypes.Branch, RouteTypes.OnSend, RouteTypes.Event, RouteTypes.CoreReply })
        {
            if ((allowed & t) != 0) names.Add(RouteTypeName(t));
        }
        return string.Join(", ", names);
    }
}

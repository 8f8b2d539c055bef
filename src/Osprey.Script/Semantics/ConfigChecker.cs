using System.Text.RegularExpressions;
using Osprey.Core.Dns;
using Osprey.Script.Ast;
using Osprey.Script.Diagnostics;
using Osprey.Script.Syntax;

namespace Osprey.Script.Semantics;

/// <summary>
/// Checks a parsed config the way `kamailio -c` does (modules exist, functions resolve by name
/// and arity against loaded modules, core parameters are known) and more (route() targets exist),
/// and says which valid pieces Osprey does not implement yet.
/// </summary>
internal sealed class ConfigChecker
{
    private readonly ConfigFile _config;
    private readonly DiagnosticBag _diagnostics;
    private readonly IReadOnlySet<string> _ospreyFunctions;
    private readonly IReadOnlySet<string> _ospreyModules;
    private readonly CompatibilityMode _mode;
    private readonly string _configDirectory;
    private readonly KamailioSurface _surface = KamailioSurface.Instance;
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<RouteKind, HashSet<string>> _routeNames = [];

    public ConfigChecker(ConfigFile config, DiagnosticBag diagnostics, IReadOnlySet<string> ospreyFunctions, CompatibilityMode mode, string configFile,
        IReadOnlySet<string>? ospreyModules = null)
    {
        _ospreyModules = ospreyModules ?? new HashSet<string>();
        _config = config;
        _diagnostics = diagnostics;
        _ospreyFunctions = ospreyFunctions;
        _mode = mode;
        _configDirectory = Path.GetDirectoryName(configFile) ?? "";
    }

    public void Check()
    {
        CheckModules();
        CheckCoreParameters();
        CheckModParams();
        CollectRoutes();
        foreach (var route in _config.Routes) CheckStatement(route.Body);
    }

    private void CheckModules()
    {
        foreach (var m in _config.Modules)
        {
            // Osprey-only modules (third-party assemblies, Osprey extensions) are known to the registry, not to Kamailio.
            if (_ospreyModules.Contains(m.ModuleName) || m.Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                _loaded.Add(m.ModuleName);
                continue;
            }
            if (m.Path.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(m.Path) && !ModuleFileExists(m.Path))
            {
                _diagnostics.Error(DiagnosticCode.UnknownModule, m.Location,
                    $"cannot find module file '{m.Path}'; write the module name instead (loadmodule \"{m.ModuleName}.so\")");
                continue;
            }
            if (!KamailioSurface.Modules.Contains(m.ModuleName))
            {
                _diagnostics.Error(DiagnosticCode.UnknownModule, m.Location, $"module '{m.ModuleName}' does not exist in Kamailio 5.6");
                continue;
            }
            _loaded.Add(m.ModuleName);
        }
    }

    private bool ModuleFileExists(string path) =>
        File.Exists(path) || File.Exists(Path.Combine(_configDirectory, path)) ||
        _config.ModulePaths.Any(dir => File.Exists(Path.Combine(dir, path)));

    private void CheckCoreParameters()
    {
        foreach (var p in _config.Parameters)
        {
            if (!KamailioSurface.CoreParameters.TryGetValue(p.Name, out var honoured))
            {
                _diagnostics.Error(DiagnosticCode.UnknownCoreParameter, p.Location, $"unknown core parameter '{p.Name}'");
            }
            else if (!honoured)
            {
                _diagnostics.Warning(DiagnosticCode.IgnoredCoreParameter, p.Location, $"core parameter '{p.Name}' has no effect in Osprey and is ignored");
            }
            else if (DnsCoreParameters.Names.Contains(p.Name) && !DnsCoreParameters.TrySet(new DnsOptions(), p.Name, ParamText(p.Value), out var error))
            {
                _diagnostics.Error(DiagnosticCode.BadCoreParameterValue, p.Location, error!);
            }
        }
    }

    /// <summary>A number, string or word parameter as text (what <see cref="DnsCoreParameters"/> reads).</summary>
    private static string ParamText(ParamValue value) => value switch
    {
        IntParamValue i => i.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StringParamValue str => str.Value,
        WordParamValue w => w.Value,
        _ => "",
    };

    private void CheckModParams()
    {
        foreach (var mp in _config.ModuleParameters)
        {
            Regex pattern;
            try
            {
                pattern = new Regex("^(?:" + mp.ModulePattern + ")$");
            }
            catch (ArgumentException)
            {
                _diagnostics.Error(DiagnosticCode.ModParamWithoutModule, mp.Location, $"modparam: invalid module name pattern '{mp.ModulePattern}'");
                continue;
            }
            var matched = _loaded.Where(m => pattern.IsMatch(m)).ToList();
            // Modules inside an assembly (loadmodule "x.dll") are named by the assembly; the loader checks those.
            if (matched.Count == 0 && _config.Modules.Any(m => m.Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))) continue;
            if (matched.Count == 0)
            {
                _diagnostics.Error(DiagnosticCode.ModParamWithoutModule, mp.Location, $"modparam: no loaded module matches '{mp.ModulePattern}'");
                continue;
            }
            foreach (var m in matched)
            {
                // an Osprey module's own parameter list is checked exactly when the modules load
                if (_ospreyModules.Contains(m)) continue;
                if (_surface.ModuleParameters.TryGetValue(m, out var known) && !known.Contains(mp.Parameter))
                {
                    _diagnostics.Warning(DiagnosticCode.Note, mp.Location, $"modparam: parameter '{mp.Parameter}' of module '{m}' is not in Osprey's table of known parameters");
                }
            }
            CheckExpression(mp.Value);
        }
    }

    private void CollectRoutes()
    {
        foreach (var r in _config.Routes)
        {
            if (r.Name == null) continue;
            if (!_routeNames.TryGetValue(r.Kind, out var names)) _routeNames[r.Kind] = names = new(StringComparer.Ordinal);
            if (!names.Add(r.Name))
            {
                _diagnostics.Error(DiagnosticCode.DuplicateRoute, r.Location, $"route '{r.Name}' is defined more than once");
            }
        }
    }

    private bool RouteExists(RouteKind kind, string name) => _routeNames.TryGetValue(kind, out var n) && n.Contains(name);

    private void CheckStatement(Stmt statement)
    {
        switch (statement)
        {
            case BlockStmt b: foreach (var s in b.Statements) CheckStatement(s); break;
            case IfStmt i:
                CheckExpression(i.Condition);
                CheckStatement(i.Then);
                if (i.Else != null) CheckStatement(i.Else);
                break;
            case SwitchStmt sw:
                CheckExpression(sw.Value);
                foreach (var c in sw.Cases) foreach (var s in c.Body) CheckStatement(s);
                break;
            case WhileStmt w: CheckExpression(w.Condition); CheckStatement(w.Body); break;
            case ReturnStmt { Value: { } rv }: CheckExpression(rv); break;
            case ExitStmt { Value: { } ev }: CheckExpression(ev); break;
            case AssignStmt a: CheckExpression(a.Target); CheckExpression(a.Value); break;
            case ExprStmt e: CheckExpression(e.Expression); break;
        }
    }

    private void CheckExpression(Expr expression)
    {
        switch (expression)
        {
            case UnaryExpr u: CheckExpression(u.Operand); break;
            case BinaryExpr b: CheckExpression(b.Left); CheckExpression(b.Right); break;
            case CastExpr c: CheckExpression(c.Operand); break;
            case PvExpr p: CheckPv(p.Pv, p.Location); break;
            case RouteCallExpr { Target: { } target } r:
                if (!RouteExists(RouteKind.Named, target))
                {
                    _diagnostics.Error(DiagnosticCode.UndefinedRoute, r.Location, $"route '{target}' is not defined");
                }
                break;
            case RouteCallExpr { Dynamic: { } dynamic }: CheckExpression(dynamic); break;
            case CallExpr call: CheckCall(call); break;
        }
    }

    private void CheckPv(PvRef pv, SourceLocation at)
    {
        if (pv.InnerPv != null) CheckPv(pv.InnerPv, at);
        if (pv.Index?.Pv != null) CheckPv(pv.Index.Pv, at);
        if (KamailioSurface.CorePseudoVariables.Contains(pv.Name)) return;
        if (!_surface.PseudoVariables.TryGetValue(pv.Name, out var module))
        {
            // Outside #!KAMAILIO mode an unknown $name is an AVP; in it, Kamailio fails at start-up.
            if (_mode == CompatibilityMode.Kamailio)
            {
                _diagnostics.Warning(DiagnosticCode.PseudoVariable, at, $"unknown pseudo-variable '${pv.Name}' (not in Osprey's table)");
            }
            return;
        }
        if (module != "core" && !_loaded.Contains(module))
        {
            _diagnostics.Error(DiagnosticCode.PseudoVariable, at, $"pseudo-variable '${pv.Name}' is provided by module '{module}', which is not loaded");
        }
    }

    private void CheckCall(CallExpr call)
    {
        foreach (var a in call.Arguments) CheckExpression(a);
        if (KamailioSurface.CoreActions.Contains(call.Name)) return;
        if (!_surface.Functions.TryGetValue(call.Name, out var exporters))
        {
            if (_ospreyFunctions.Contains(call.Name) && _ospreyModules.Count > 0) return; // an Osprey-only function; the compiler binds it

            _diagnostics.Error(DiagnosticCode.UnknownFunction, call.Location, $"unknown function '{call.Name}'");
            return;
        }
        var live = exporters.Where(f => f.Module != KamailioSurface.Removed).ToList();
        if (live.Count == 0)
        {
            var why = exporters[0].Note;
            _diagnostics.Error(DiagnosticCode.UnknownFunction, call.Location,
                $"function '{call.Name}' does not exist in Kamailio 5.6" + (why.Length > 0 ? $" ({ShortNote(why)})" : ""));
            return;
        }
        var loaded = live.Where(f => _loaded.Contains(f.Module)).ToList();
        if (loaded.Count == 0)
        {
            var modules = string.Join("' or '", live.Select(f => f.Module).Distinct());
            _diagnostics.Error(DiagnosticCode.ModuleNotLoaded, call.Location, $"function '{call.Name}' is exported by module '{modules}', which is not loaded");
            return;
        }
        var arity = call.Arguments.Count;
        var withArity = loaded.Where(f => f.Arities.Count == 0 || f.Arities.Contains(arity)).ToList();
        if (withArity.Count == 0)
        {
            var allowed = string.Join(" or ", loaded.SelectMany(f => f.Arities).Distinct().Order());
            _diagnostics.Error(DiagnosticCode.WrongArity, call.Location,
                $"function '{call.Name}' (module '{loaded[^1].Module}') takes {allowed} argument(s), not {arity}");
            return;
        }
        if (!_ospreyFunctions.Contains(call.Name))
        {
            // The module loaded last wins in Kamailio when two export the same name.
            _diagnostics.Error(DiagnosticCode.NotAvailableInOsprey, call.Location,
                $"function '{call.Name}' (module '{withArity[^1].Module}') is not available in Osprey yet");
        }
    }

    private static string ShortNote(string note)
    {
        var i = note.IndexOf("; kamailio -c", StringComparison.Ordinal);
        return i > 0 ? note[..i] : note;
    }
}

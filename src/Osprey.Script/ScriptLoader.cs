using System.Reflection;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Script.Ast;
using Osprey.Script.Compiler;
using Osprey.Script.CoreFunctions;
using Osprey.Script.Diagnostics;
using Osprey.Script.Runtime;
using Osprey.Script.Semantics;
using Osprey.Script.Syntax;

namespace Osprey.Script;

/// <summary>Options for loading a config.</summary>
public sealed class ScriptLoadOptions
{
    /// <summary>Assemblies with [Module] classes besides Osprey.Script's own (pass Osprey.Modules' here;
    /// when empty, an assembly named Osprey.Modules is loaded if it can be found).</summary>
    public IReadOnlyList<Assembly> ModuleAssemblies { get; init; } = [];

    /// <summary>Where xlog/log write; null: the process log (<see cref="Osprey.Core.Logging.Logger.Process"/>),
    /// filtered by the config's debug level.</summary>
    public TextWriter? LogWriter { get; init; }
}

/// <summary>The outcome of <see cref="ScriptLoader.Load"/>: a compiled script, or the errors.</summary>
public sealed class ScriptLoadResult
{
    internal ScriptLoadResult(CompiledScript? script, IReadOnlyList<string> errors, IReadOnlyList<string> warnings, ScriptRouter? router)
    {
        Script = script;
        Errors = errors;
        Warnings = warnings;
        Router = router;
    }

    public bool Success => Script is not null;
    public CompiledScript? Script { get; }

    /// <summary>A router running <see cref="Script"/> (and able to reload it).</summary>
    public ScriptRouter? Router { get; }

    /// <summary>Every error as <c>file:line:col: message</c>.</summary>
    public IReadOnlyList<string> Errors { get; }
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>
/// The entry point the <c>osprey</c> executable uses: preprocess, parse, check and compile a kamailio.cfg
/// with its -A defines, load and configure its modules, and return a runnable script or the errors.
/// </summary>
public static class ScriptLoader
{
    private static readonly Lazy<ModuleRegistry> DefaultRegistry = new(() => new ModuleRegistry(DefaultAssemblies([])));

    private static IEnumerable<Assembly> DefaultAssemblies(IEnumerable<Assembly> extra)
    {
        yield return typeof(ScriptLoader).Assembly;
        foreach (var a in extra) yield return a;
        Assembly? modules = null;
        try
        {
            modules = Assembly.Load("Osprey.Modules");
        }
        catch (Exception e) when (e is IOException or BadImageFormatException)
        {
            // no built-in modules assembly next to us (tools and tests that only need the engine)
        }
        if (modules is not null) yield return modules;
    }

    /// <summary>Every function Osprey's modules export (for <see cref="ConfigCheck"/>).</summary>
    public static IReadOnlySet<string> AvailableFunctions(ScriptLoadOptions? options = null)
    {
        var set = new HashSet<string>(Registry(options).FunctionNames(), StringComparer.Ordinal);
        return set;
    }

    /// <summary>Every module name Osprey can load.</summary>
    public static IReadOnlySet<string> AvailableModules(ScriptLoadOptions? options = null) =>
        new HashSet<string>(Registry(options).ModuleNames, StringComparer.Ordinal);

    private static ModuleRegistry Registry(ScriptLoadOptions? options) =>
        options is null || options.ModuleAssemblies.Count == 0 ? DefaultRegistry.Value : new ModuleRegistry(DefaultAssemblies(options.ModuleAssemblies));

    /// <summary>Loads and compiles <paramref name="file"/>. Nothing throws for a bad config.</summary>
    /// <param name="previous">On reload: running modules whose instances are kept.</param>
    public static ScriptLoadResult Load(string file, IReadOnlyDictionary<string, string?> defines, ScriptLoadOptions? options = null, ModuleSet? previous = null)
    {
        options ??= new ScriptLoadOptions();
        var registry = Registry(options);
        var loaded = ConfigCheck.Load(file, defines, registry.FunctionNames(), new HashSet<string>(registry.ModuleNames, StringComparer.Ordinal));
        var diag = new DiagnosticBag();
        // loadmodule "/path/x.dll": third-party modules join a registry of this load, then the check runs again
        // so their functions are known.
        var assemblyModules = loaded.Config.Modules.Where(m => m.Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList();
        if (assemblyModules.Count > 0)
        {
            registry = new ModuleRegistry(DefaultAssemblies(options.ModuleAssemblies));
            foreach (var m in assemblyModules)
            {
                var path = File.Exists(m.Path) || Path.IsPathRooted(m.Path) ? m.Path : Path.Combine(Path.GetDirectoryName(m.Location.File) ?? "", m.Path);
                registry.LoadAssembly(path, out var error);
                if (error is not null) diag.Error(DiagnosticCode.UnknownModule, m.Location, error);
            }
            if (diag.ErrorCount > 0) return Fail(diag);
            loaded = ConfigCheck.Load(file, defines, registry.FunctionNames(), new HashSet<string>(registry.ModuleNames, StringComparer.Ordinal));
        }
        foreach (var d in loaded.Diagnostics)
        {
            if (d.IsError) diag.Error(d.Code, d.Location, d.Message);
            else diag.Warning(d.Code, d.Location, d.Message);
        }
        var config = loaded.Config;
        if (diag.ErrorCount > 0) return Fail(diag);
        if (config.Engine is not null and not "native")
        {
            diag.Error(DiagnosticCode.NotAvailableInOsprey, SourceLocation.None with { File = file }, $"cfgengine \"{config.Engine}\" is not available in Osprey (write the routing in kamailio.cfg or C#)");
            return Fail(diag);
        }
        var settings = ScriptSettings.From(config.Parameters);
        var log = options.LogWriter is { } writer ? new ScriptLog(writer, settings.Debug) : new ScriptLog(Osprey.Core.Logging.Logger.Process, settings.Debug);
        if (settings.LogPrefix is not null) log.Prefix = settings.LogPrefix;
        var modules = LoadModules(config, registry, diag, log, previous);
        if (diag.ErrorCount > 0) return Fail(diag);
        var customVars = new Dictionary<string, PvValue>(StringComparer.Ordinal);
        foreach (var cv in config.CustomVariables)
        {
            customVars[cv.Group + "." + cv.Name] = cv.Value switch
            {
                IntParamValue i => PvValue.FromInt(i.Value),
                StringParamValue s => PvValue.FromString(s.Value),
                WordParamValue w => PvValue.FromString(w.Value),
                _ => PvValue.Null,
            };
        }
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        var compiler = new ScriptCompiler(config, diag, modules.Modules, slots, customVars, settings.MaxWhileLoops);
        var routes = compiler.CompileRoutes();
        // log_prefix="{$mt $hdr(CSeq) $ci} ": evaluated for each script line, as Kamailio does per message
        if (settings.LogPrefix is not null) log.PrefixFormat = compiler.Format(settings.LogPrefix);
        if (diag.ErrorCount > 0) return Fail(diag);
        // module parameters that hold pseudo-variables (acc's db_extra) bind them now, like the routes do
        CompiledScript? compiled = null;
        var pvCompiler = new ParameterPvCompiler(compiler, () => compiled);
        foreach (var m in modules.Modules)
        {
            if (m.Instance is IPvParameters pvp && pvp.CompilePvParameters(pvCompiler) is { } pvError)
            {
                var at = config.Modules.FirstOrDefault(l => l.ModuleName == m.Name)?.Location ?? SourceLocation.None with { File = file };
                diag.Error(DiagnosticCode.PseudoVariable, at, m.Name + ": " + pvError);
            }
        }
        if (diag.ErrorCount > 0) return Fail(diag);
        var script = new CompiledScript(file, settings, modules, routes, slots.Count, log);
        compiled = script;
        var router = new ScriptRouter(script, file, defines, options);
        return new ScriptLoadResult(script, [], Warnings(diag), router);
    }

    private static ScriptLoadResult Fail(DiagnosticBag diag) =>
        new(null, diag.Items.Where(d => d.IsError).Select(d => d.ToString()).ToList(), Warnings(diag), null);

    private static List<string> Warnings(DiagnosticBag diag) => diag.Items.Where(d => !d.IsError).Select(d => d.ToString()).ToList();

    private static ModuleSet LoadModules(ConfigFile config, ModuleRegistry registry, DiagnosticBag diag, ScriptLog log, ModuleSet? previous)
    {
        var set = new ModuleSet();
        var reused = new HashSet<ModuleBase>();
        void Add(ModuleDescriptor d)
        {
            if (set.Modules.Any(m => m.Descriptor.Type == d.Type)) return;
            var old = previous?.Modules.FirstOrDefault(m => m.Descriptor.Type == d.Type);
            var instance = old?.Instance ?? d.CreateInstance();
            if (old is not null) reused.Add(instance);
            switch (instance)
            {
                case CoreActions ca: ca.Log = log; break;
                case XlogModule x: x.Log = log; break;
            }
            set.Add(new LoadedModule(d, instance));
        }
        foreach (var d in registry.Find(CoreActions.ModuleName)) Add(d);
        foreach (var lm in config.Modules)
        {
            var list = registry.Find(lm.ModuleName);
            if (lm.Path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                var path = File.Exists(lm.Path) || Path.IsPathRooted(lm.Path) ? lm.Path : Path.Combine(Path.GetDirectoryName(lm.Location.File) ?? "", lm.Path);
                var names = registry.LoadAssembly(path, out var error);
                if (error is not null) { diag.Error(DiagnosticCode.UnknownModule, lm.Location, error); continue; }
                list = names.SelectMany(registry.Find).ToList();
            }
            if (list.Count == 0)
            {
                if (!KamailioSurface.Modules.Contains(lm.ModuleName))
                    diag.Error(DiagnosticCode.UnknownModule, lm.Location, $"module '{lm.ModuleName}' is neither a Kamailio module nor an Osprey module");
                else
                    diag.Warning(DiagnosticCode.NotAvailableInOsprey, lm.Location, $"module '{lm.ModuleName}' is not implemented by Osprey yet; its parameters are ignored");
                continue;
            }
            foreach (var d in list) Add(d);
        }
        foreach (var mp in config.ModuleParameters)
        {
            Regex pattern;
            try
            {
                pattern = new Regex("^(?:" + mp.ModulePattern + ")$");
            }
            catch (ArgumentException)
            {
                continue; // reported by the checker
            }
            PvValue value = mp.Value switch
            {
                IntLiteral i => PvValue.FromInt(i.Value),
                StringLiteral s => PvValue.FromString(s.Value),
                BareWordExpr w => PvValue.FromString(w.Text),
                UnaryExpr { Op: UnaryOp.Negate, Operand: IntLiteral ni } => PvValue.FromInt(-ni.Value),
                _ => PvValue.Null,
            };
            if (value.IsNull)
            {
                diag.Error(DiagnosticCode.Syntax, mp.Value.Location, $"modparam: the value of '{mp.Parameter}' must be a number or a string");
                continue;
            }
            var targets = set.Modules.Where(m => m.Name != CoreActions.ModuleName && pattern.IsMatch(m.Name)).ToList();
            if (targets.Count == 0 && !config.Modules.Any(m => pattern.IsMatch(m.ModuleName)))
            {
                diag.Error(DiagnosticCode.ModParamWithoutModule, mp.Location, $"modparam: no loaded module matches '{mp.ModulePattern}'");
            }
            foreach (var m in targets)
            {
                var p = m.Descriptor.Parameters.FirstOrDefault(x => x.Name == mp.Parameter);
                if (p is null)
                {
                    // another class of the same module may declare it
                    if (set.Modules.Any(o => o.Name == m.Name && o.Descriptor.Parameters.Any(x => x.Name == mp.Parameter))) continue;
                    var known = KamailioSurface.Instance.ModuleParameters.TryGetValue(m.Name, out var k) && k.Contains(mp.Parameter);
                    if (known) diag.Warning(DiagnosticCode.NotAvailableInOsprey, mp.Location, $"modparam: parameter '{mp.Parameter}' of module '{m.Name}' is not implemented by Osprey yet and is ignored");
                    else diag.Error(DiagnosticCode.ModParamWithoutModule, mp.Location, $"modparam: module '{m.Name}' has no parameter '{mp.Parameter}'");
                    continue;
                }
                if (reused.Contains(m.Instance)) continue; // a running module keeps its configuration
                if (ModuleSet.SetParameter(m.Instance, p, value) is { } err) diag.Error(DiagnosticCode.Syntax, mp.Value.Location, err);
            }
        }
        return set;
    }
}

/// <summary>The script compiler as module parameters see it (<see cref="IPvCompiler"/>); <paramref name="script"/>
/// gives formats the per-thread state when they run outside a route (tm callbacks such as acc's).</summary>
internal sealed class ParameterPvCompiler(ScriptCompiler compiler, Func<CompiledScript?> script) : IPvCompiler
{
    public ScriptFormat? CompileFormat(string text, out string? error) => compiler.CompileFormat(text, script, out error);
}

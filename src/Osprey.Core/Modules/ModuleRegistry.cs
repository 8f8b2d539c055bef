using System.Globalization;
using System.Reflection;
using Osprey.Core.Pipeline;

namespace Osprey.Core.Modules;

/// <summary>A script function a module exports: <c>int Name(MessageContext ctx, args…)</c>.</summary>
/// <param name="MinArity">Script arguments without C# defaults.</param>
/// <param name="MaxArity">All script arguments.</param>
public sealed record ModuleFunctionExport(string Module, string Name, RouteTypes Routes, MethodInfo Method, int MinArity, int MaxArity);

/// <summary>A <c>modparam</c> target.</summary>
public sealed record ModuleParamExport(string Module, string Name, PropertyInfo Property);

/// <summary>A pseudo-variable a module provides; <paramref name="Setter"/> is null when read-only.</summary>
public sealed record ModulePvExport(string Module, string Name, MethodInfo Getter, MethodInfo? Setter);

/// <summary>An RPC command: the control plane invokes <see cref="Method"/> on the module instance.</summary>
public sealed record RpcExport(string Module, string Name, string Help, MethodInfo Method);

/// <summary>A statistic: a property or field of the module (counter), read on the module instance.</summary>
public sealed record StatExport(string Module, string Name, bool NoReset, MemberInfo Member);

/// <summary>Everything one [Module] class declares, read once by reflection.</summary>
public sealed class ModuleDescriptor
{
    internal ModuleDescriptor(string name, Type type)
    {
        Name = name;
        Type = type;
        var functions = new List<ModuleFunctionExport>();
        var parameters = new List<ModuleParamExport>();
        var pvs = new Dictionary<string, (MethodInfo? Get, MethodInfo? Set)>(StringComparer.Ordinal);
        var rpcs = new List<RpcExport>();
        var stats = new List<StatExport>();
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        foreach (var m in type.GetMethods(All))
        {
            foreach (var f in m.GetCustomAttributes<FunctionAttribute>())
            {
                var ps = m.GetParameters();
                int max = Math.Max(0, ps.Length - 1);
                int min = 0;
                for (int i = 1; i < ps.Length; i++) if (!ps[i].HasDefaultValue) min = i;
                functions.Add(new ModuleFunctionExport(name, f.Name, f.Routes, m, min, max));
            }
            if (m.GetCustomAttribute<PseudoVarAttribute>() is { } pv)
            {
                pvs.TryGetValue(pv.Name, out var e);
                pvs[pv.Name] = (m, e.Set);
            }
            if (m.GetCustomAttribute<PseudoVarSetterAttribute>() is { } pvs2)
            {
                pvs.TryGetValue(pvs2.Name, out var e);
                pvs[pvs2.Name] = (e.Get, m);
            }
            if (m.GetCustomAttribute<RpcAttribute>() is { } rpc) rpcs.Add(new RpcExport(name, rpc.Name, rpc.Help, m));
        }
        foreach (var p in type.GetProperties(All))
        {
            if (p.GetCustomAttribute<ModParamAttribute>() is { } mp) parameters.Add(new ModuleParamExport(name, mp.Name, p));
            if (p.GetCustomAttribute<StatAttribute>() is { } st) stats.Add(new StatExport(name, st.Name, st.NoReset, p));
        }
        foreach (var f in type.GetFields(All))
        {
            if (f.GetCustomAttribute<StatAttribute>() is { } st) stats.Add(new StatExport(name, st.Name, st.NoReset, f));
        }
        Functions = functions;
        Parameters = parameters;
        PseudoVariables = pvs.Where(kv => kv.Value.Get is not null)
            .Select(kv => new ModulePvExport(name, kv.Key, kv.Value.Get!, kv.Value.Set)).ToList();
        Rpcs = rpcs;
        Stats = stats;
    }

    public string Name { get; }
    public Type Type { get; }
    public IReadOnlyList<ModuleFunctionExport> Functions { get; }
    public IReadOnlyList<ModuleParamExport> Parameters { get; }
    public IReadOnlyList<ModulePvExport> PseudoVariables { get; }
    public IReadOnlyList<RpcExport> Rpcs { get; }
    public IReadOnlyList<StatExport> Stats { get; }

    /// <summary>A fresh instance (public parameterless constructor required).</summary>
    public ModuleBase CreateInstance() => (ModuleBase)Activator.CreateInstance(Type, nonPublic: true)!;
}

/// <summary>
/// The modules Osprey can load: every [Module] class found in the given assemblies (built-in modules
/// and the engine's own core-ish modules), plus third-party assemblies loaded by path. Reflection runs
/// once here; the script compiler turns each bound call into a compiled delegate, so nothing is looked
/// up or invoked by reflection per message.
/// </summary>
public sealed class ModuleRegistry
{
    private readonly Dictionary<string, List<ModuleDescriptor>> _byName = new(StringComparer.Ordinal);
    private readonly HashSet<Assembly> _assemblies = [];

    public ModuleRegistry(IEnumerable<Assembly> assemblies)
    {
        foreach (var a in assemblies) AddAssembly(a);
    }

    /// <summary>Names of every module known.</summary>
    public IEnumerable<string> ModuleNames => _byName.Keys;

    /// <summary>Every function name some known module exports (feeds the config check).</summary>
    public IReadOnlySet<string> FunctionNames()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in _byName.Values)
            foreach (var d in list)
                foreach (var f in d.Functions) set.Add(f.Name);
        return set;
    }

    /// <summary>Classes declaring module <paramref name="name"/> (a module may be split over several classes).</summary>
    public IReadOnlyList<ModuleDescriptor> Find(string name) => _byName.TryGetValue(name, out var l) ? l : [];

    public void AddAssembly(Assembly assembly)
    {
        if (!_assemblies.Add(assembly)) return;
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!;
        }
        foreach (var t in types)
        {
            if (t.GetCustomAttribute<ModuleAttribute>() is not { } attr || t.IsAbstract || !typeof(ModuleBase).IsAssignableFrom(t)) continue;
            if (!_byName.TryGetValue(attr.Name, out var list)) _byName[attr.Name] = list = [];
            list.Add(new ModuleDescriptor(attr.Name, t));
        }
    }

    /// <summary>Loads a third-party module assembly (<c>loadmodule "/path/x.dll"</c>); returns the module
    /// names it declares, or an error message.</summary>
    public IReadOnlyList<string> LoadAssembly(string path, out string? error)
    {
        error = null;
        Assembly a;
        try
        {
            a = Assembly.LoadFrom(Path.GetFullPath(path));
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or FileLoadException or UnauthorizedAccessException)
        {
            error = $"cannot load module assembly '{path}': {e.Message}";
            return [];
        }
        AddAssembly(a);
        var names = new List<string>();
        foreach (var (name, list) in _byName)
        {
            if (list.Any(d => d.Type.Assembly == a)) names.Add(name);
        }
        if (names.Count == 0) error = $"assembly '{path}' declares no [Module] class";
        return names;
    }
}

/// <summary>One loaded module instance.</summary>
public sealed record LoadedModule(ModuleDescriptor Descriptor, ModuleBase Instance)
{
    public string Name => Descriptor.Name;
}

/// <summary>
/// The module instances a compiled script uses, in load order. The control plane enumerates
/// <see cref="Rpcs"/> and <see cref="Stats"/> from here (invoke the method / read the member on
/// <c>Module.Instance</c>).
/// </summary>
public sealed class ModuleSet
{
    private readonly List<LoadedModule> _modules = [];

    public IReadOnlyList<LoadedModule> Modules => _modules;

    public LoadedModule? this[string name] => _modules.LastOrDefault(m => m.Name == name);

    public void Add(LoadedModule m) => _modules.Add(m);

    public IEnumerable<(LoadedModule Module, RpcExport Rpc)> Rpcs =>
        _modules.SelectMany(m => m.Descriptor.Rpcs.Select(r => (m, r)));

    public IEnumerable<(LoadedModule Module, StatExport Stat)> Stats =>
        _modules.SelectMany(m => m.Descriptor.Stats.Select(s => (m, s)));

    /// <summary>Sets <see cref="ModuleBase.Server"/> and runs <see cref="ModuleBase.Init"/> for every
    /// module not initialised yet; returns "module: message" errors.</summary>
    public IReadOnlyList<string> Start(SipServer server, ISet<ModuleBase>? alreadyStarted = null)
    {
        var errors = new List<string>();
        foreach (var m in _modules)
        {
            if (alreadyStarted is not null && alreadyStarted.Contains(m.Instance)) continue;
            m.Instance.Server = server;
            InjectDependencies(m.Instance, server);
        }
        foreach (var m in _modules)
        {
            if (alreadyStarted is not null && alreadyStarted.Contains(m.Instance)) continue;
            if (m.Instance.Init() is { } err) errors.Add($"{m.Name}: {err}");
            RegisterStatistics(m, server);
        }
        return errors;
    }

    /// <summary>
    /// Fills a module's unset public properties that name another loaded module's type (registrar's
    /// usrloc, auth_db's auth) or the server's shared timing wheel — once, at start-up, so modules use
    /// each other's typed API without looking each other up per message.
    /// </summary>
    private void InjectDependencies(ModuleBase instance, SipServer server)
    {
        foreach (var p in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!p.CanWrite || p.SetMethod is null || !p.SetMethod.IsPublic || p.GetIndexParameters().Length > 0) continue;
            if (p.PropertyType == typeof(Timers.TimingWheel))
            {
                if (p.GetValue(instance) is null) p.SetValue(instance, server.Timers);
                continue;
            }
            if (!typeof(ModuleBase).IsAssignableFrom(p.PropertyType) || p.GetValue(instance) is not null) continue;
            var dep = _modules.FirstOrDefault(o => o.Instance != instance && p.PropertyType.IsInstanceOfType(o.Instance));
            if (dep is not null) p.SetValue(instance, dep.Instance);
        }
    }

    // [Stat] members that are plain numbers become computed statistics of the module's group
    // (Kamailio's group is the module name); members that are registry statistics registered themselves.
    private static void RegisterStatistics(LoadedModule m, SipServer server)
    {
        foreach (var st in m.Descriptor.Stats)
        {
            if (server.Statistics.TryGet(m.Name + ":" + st.Name, out _)) continue;
            Func<long>? read = st.Member switch
            {
                PropertyInfo { GetMethod: not null } pi when pi.PropertyType == typeof(long) =>
                    (Func<long>)Delegate.CreateDelegate(typeof(Func<long>), m.Instance, pi.GetMethod),
                PropertyInfo { GetMethod: not null } pi when pi.PropertyType == typeof(int) =>
                    () => (int)pi.GetValue(m.Instance)!,
                FieldInfo fi when fi.FieldType == typeof(long) => () => (long)fi.GetValue(m.Instance)!,
                _ => null,
            };
            if (read is null) continue;
            server.Statistics.RegisterComputed(m.Name, st.Name, static o => ((Func<long>)o!)(), read);
        }
    }

    /// <summary>Converts and assigns a modparam value: int/long/bool/string/enum properties; a
    /// <c>List&lt;string&gt;</c> property collects repeated values. Returns an error message or null.</summary>
    public static string? SetParameter(ModuleBase instance, ModuleParamExport p, PvValue value)
    {
        var prop = p.Property;
        var t = prop.PropertyType;
        try
        {
            if (t == typeof(string)) { prop.SetValue(instance, value.ToString()); return null; }
            if (t == typeof(List<string>))
            {
                ((List<string>)prop.GetValue(instance)!).Add(value.ToString());
                return null;
            }
            if (t == typeof(int) || t == typeof(long) || t == typeof(bool))
            {
                long n;
                if (value.IsInt) n = value.Int;
                else if (!long.TryParse(value.Str, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
                {
                    return $"modparam: parameter '{p.Name}' of module '{p.Module}' takes an integer, not \"{value.Str}\"";
                }
                if (t == typeof(int))
                {
                    if (n is < int.MinValue or > int.MaxValue) return $"modparam: value {n} of parameter '{p.Name}' of module '{p.Module}' is out of range";
                    prop.SetValue(instance, (int)n);
                }
                else if (t == typeof(long)) prop.SetValue(instance, n);
                else prop.SetValue(instance, n != 0);
                return null;
            }
            if (t.IsEnum)
            {
                if (value.IsInt && Enum.IsDefined(t, Convert.ChangeType(value.Int, Enum.GetUnderlyingType(t), CultureInfo.InvariantCulture)))
                {
                    prop.SetValue(instance, Enum.ToObject(t, value.Int));
                    return null;
                }
                if (value.IsString && Enum.TryParse(t, value.Str, ignoreCase: true, out var ev))
                {
                    prop.SetValue(instance, ev);
                    return null;
                }
                return $"modparam: parameter '{p.Name}' of module '{p.Module}' takes one of {string.Join(", ", Enum.GetNames(t))}, not {value}";
            }
            return $"modparam: parameter '{p.Name}' of module '{p.Module}' has a type ({t.Name}) Osprey cannot set from the config";
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException ae)
        {
            return $"modparam: parameter '{p.Name}' of module '{p.Module}': {ae.Message}";
        }
    }
}

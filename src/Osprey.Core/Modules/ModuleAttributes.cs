namespace Osprey.Core.Modules;

/// <summary>Route block types a module function may be called from (Kamailio's REQUEST_ROUTE, ...).</summary>
[Flags]
public enum RouteTypes
{
    None = 0,
    Request = 1,
    Failure = 2,
    OnReply = 4,
    Branch = 8,
    OnSend = 16,
    Event = 32,
    /// <summary>The core <c>reply_route</c> (replies not matched to a transaction).</summary>
    CoreReply = 64,
    Any = Request | Failure | OnReply | Branch | OnSend | Event | CoreReply,
}

/// <summary>
/// Marks a built-in module (ARCHITECTURE.md "Modules"): one class declares the module's functions,
/// parameters, pseudo-variables, RPC commands and statistics, and the cfg binder, the RPC registry and
/// the statistics registry are filled from it. <c>loadmodule "name.so"</c> enables it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModuleAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>A module parameter settable with <c>modparam("module", "name", value)</c>. The property's
/// type (int, string, bool) decides the conversion, done once at start-up.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class ModParamAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// A function callable from the routing script. The method's first parameter is the
/// <see cref="Pipeline.MessageContext"/>; the rest are the script arguments, converted at compile time
/// when literal (Kamailio's fixups). It returns Kamailio's convention: positive true, negative false,
/// 0 stops the script.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = true)]
public sealed class FunctionAttribute(string name, RouteTypes routes = RouteTypes.Any) : Attribute
{
    public string Name { get; } = name;
    public RouteTypes Routes { get; } = routes;
}

/// <summary>An RPC command with Kamailio's name (<c>tm.stats</c>, <c>ul.dump</c>).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RpcAttribute(string name, string help) : Attribute
{
    public string Name { get; } = name;
    public string Help { get; } = help;
}

/// <summary>A statistic of the module's group, with Kamailio's name.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false)]
public sealed class StatAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Not cleared by <c>stats.reset_statistics</c> (Kamailio's STAT_NO_RESET).</summary>
    public bool NoReset { get; init; }
}

/// <summary>
/// A pseudo-variable the module provides (<c>$T_reply_code</c>, <c>$ulc(...)</c>). The method has the
/// shape <c>PvValue Get(MessageContext ctx, string? inner)</c>, where inner is the text in parentheses.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PseudoVarAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>The setter of a writable module pseudo-variable:
/// <c>void Set(MessageContext ctx, string? inner, PvValue value)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PseudoVarSetterAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

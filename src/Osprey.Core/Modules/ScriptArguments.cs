using Osprey.Core.Pipeline;

namespace Osprey.Core.Modules;

/// <summary>
/// A module-function argument that names a pseudo-variable (<c>pv_unset($var(x))</c>,
/// <c>pv_isset("$avp(y)")</c>). Declare a parameter of this type to get the pseudo-variable itself,
/// resolved once when the script is compiled, instead of its value.
/// </summary>
public abstract class ScriptPv
{
    /// <summary>The pseudo-variable as written (<c>$avp(x)</c>).</summary>
    public abstract string Text { get; }

    public abstract bool IsWritable { get; }

    public abstract PvValue Get(MessageContext ctx);

    /// <summary>Assigns; <see cref="PvValue.Null"/> deletes or resets as the script's <c>= $null</c> does.
    /// False when the pseudo-variable is read-only or the value does not fit.</summary>
    public abstract bool Set(MessageContext ctx, PvValue value);
}

/// <summary>
/// A module-function argument kept as a pre-parsed format ("sip:$rU@$fd"): the literal pieces are split
/// from the pseudo-variables once, at compile time. Declare a parameter of this type to format only when
/// needed (or to see whether the argument is constant); a <c>string</c> parameter gets it formatted.
/// </summary>
public abstract class ScriptFormat
{
    /// <summary>The argument as written.</summary>
    public abstract string Text { get; }

    /// <summary>True when the argument holds no pseudo-variable.</summary>
    public abstract bool IsConstant { get; }

    /// <summary>The argument's value for this message.</summary>
    public abstract string Format(MessageContext ctx);
}

/// <summary>
/// Compiles pseudo-variables written in module parameters (acc's <c>db_extra</c>, <c>log_extra</c>), once,
/// when the script is compiled; the script engine provides it.
/// </summary>
public interface IPvCompiler
{
    /// <summary>A format such as <c>"$fU"</c> or <c>"acc_$time(year)"</c>; null (with a message) when it
    /// names a pseudo-variable Osprey does not know.</summary>
    ScriptFormat? CompileFormat(string text, out string? error);
}

/// <summary>A module whose parameters hold pseudo-variables: the script loader hands it the compiler after
/// the routes are compiled (and again on reload), before <see cref="ModuleBase.Init"/>.</summary>
public interface IPvParameters
{
    /// <summary>Compiles the parameters; returns an error message a user can act on, or null.</summary>
    string? CompilePvParameters(IPvCompiler compiler);
}

using Osprey.Core.Modules;

namespace Osprey.Script.Runtime;

/// <summary>How a statement ended.</summary>
internal enum Flow : byte
{
    /// <summary>Go on with the next statement.</summary>
    Next,
    /// <summary>break: leave the innermost switch or while (or, outside them, the route).</summary>
    Break,
    /// <summary>return: leave the current route with <see cref="ScriptState.Ret"/>.</summary>
    Return,
    /// <summary>exit, drop, return 0, or a function that returned 0: end the whole script.</summary>
    Exit,
}

/// <summary>
/// Per-thread state of a compiled script: the <c>$var</c> slots (Kamailio keeps <c>$var</c> per worker
/// process and never resets it between messages; Osprey's workers are receive threads, so it is per thread)
/// and the signals statements pass up. Hung on <see cref="Osprey.Core.Pipeline.MessageContext.ScriptState"/>.
/// </summary>
internal sealed class ScriptState
{
    public ScriptState(CompiledScript script)
    {
        Script = script;
        Vars = new PvValue[script.VarCount];
        Array.Fill(Vars, Values.Zero);
    }

    public CompiledScript Script { get; }

    /// <summary>$var(name) values by slot (slots assigned at compile time). Never-assigned vars are 0.</summary>
    public PvValue[] Vars;

    /// <summary>Value carried by <see cref="Flow.Return"/> / <see cref="Flow.Exit"/>.</summary>
    public int Ret;

    /// <summary>A function called inside an expression returned 0: the enclosing statement ends the script.</summary>
    public bool Stop;

    /// <summary>route() nesting depth (bounded like Kamailio's max_recursive_level).</summary>
    public int Depth;
}

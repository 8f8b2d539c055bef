using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script.Runtime;

/// <summary>A compiled statement.</summary>
internal abstract class St
{
    public abstract Flow Run(MessageContext c, ScriptState s);

    /// <summary>After evaluating an expression: a function inside it returned 0, so the script ends.</summary>
    protected static bool Stopped(ScriptState s)
    {
        if (!s.Stop) return false;
        s.Stop = false;
        return true;
    }
}

internal sealed class BlockSt(St[] statements) : St
{
    public static readonly BlockSt Empty = new([]);
    public readonly St[] Statements = statements;

    public override Flow Run(MessageContext c, ScriptState s)
    {
        foreach (var st in Statements)
        {
            var f = st.Run(c, s);
            if (f != Flow.Next) return f;
        }
        return Flow.Next;
    }
}

internal sealed class IfSt(Ev cond, St then, St? otherwise) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        bool b = cond.EvalBool(c, s);
        if (Stopped(s)) return Flow.Exit;
        if (b) return then.Run(c, s);
        return otherwise is null ? Flow.Next : otherwise.Run(c, s);
    }
}

/// <summary>A function call as a statement.</summary>
internal sealed class CallSt(CallEv call) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        call.Invoke(c, s);
        return Stopped(s) ? Flow.Exit : Flow.Next;
    }
}

internal sealed class RouteCallSt(RouteCallEv call) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        call.Invoke(c, s);
        return Stopped(s) ? Flow.Exit : Flow.Next;
    }
}

/// <summary>Any other expression evaluated for its effect.</summary>
internal sealed class EvalSt(Ev e) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        e.Eval(c, s);
        return Stopped(s) ? Flow.Exit : Flow.Next;
    }
}

internal sealed class AssignSt(Pv.PvAccessor target, Ev value) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        var v = value.Eval(c, s);
        if (Stopped(s)) return Flow.Exit;
        target.Set(c, s, v);
        return Flow.Next;
    }
}

internal sealed class ReturnSt(Ev? value) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        int v = value is null ? 1 : value.EvalInt(c, s);
        if (Stopped(s)) return Flow.Exit;
        s.Ret = v;
        // return 0 ends the whole script, from any route (cfg-surface.md 2.7)
        return v == 0 ? Flow.Exit : Flow.Return;
    }
}

internal sealed class ExitSt(Ev? value) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        s.Ret = value is null ? 1 : value.EvalInt(c, s);
        s.Stop = false;
        return Flow.Exit;
    }
}

internal sealed class DropSt : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        c.Dropped = true;
        s.Ret = 0;
        return Flow.Exit;
    }
}

internal sealed class BreakSt : St
{
    public static readonly BreakSt Instance = new();
    public override Flow Run(MessageContext c, ScriptState s) => Flow.Break;
}

internal sealed class NopSt : St
{
    public static readonly NopSt Instance = new();
    public override Flow Run(MessageContext c, ScriptState s) => Flow.Next;
}

internal sealed class WhileSt(Ev cond, St body, int maxLoops) : St
{
    public override Flow Run(MessageContext c, ScriptState s)
    {
        for (int i = 0; ; i++)
        {
            bool b = cond.EvalBool(c, s);
            if (Stopped(s)) return Flow.Exit;
            if (!b) return Flow.Next;
            if (i >= maxLoops) return Flow.Next; // max_while_loops reached: leave the loop
            var f = body.Run(c, s);
            if (f == Flow.Break) return Flow.Next;
            if (f != Flow.Next) return f;
        }
    }
}

/// <summary>
/// switch: the case bodies are one statement list; a label is an entry index. Execution falls through
/// until break. Integer switches use a dictionary; string and regex labels are tried in order.
/// </summary>
internal sealed class SwitchSt : St
{
    private readonly Ev _value;
    private readonly St[] _body;
    private readonly Dictionary<int, int>? _intCases;
    private readonly (string? Text, System.Text.RegularExpressions.Regex? Re, int Entry)[] _strCases;
    private readonly int _default;

    public SwitchSt(Ev value, St[] body, Dictionary<int, int>? intCases, (string?, System.Text.RegularExpressions.Regex?, int)[] strCases, int defaultEntry)
    {
        _value = value;
        _body = body;
        _intCases = intCases;
        _strCases = strCases;
        _default = defaultEntry;
    }

    public override Flow Run(MessageContext c, ScriptState s)
    {
        int entry = _default;
        if (_intCases is not null)
        {
            int v = _value.EvalInt(c, s);
            if (Stopped(s)) return Flow.Exit;
            if (_intCases.TryGetValue(v, out var e)) entry = e;
        }
        else
        {
            var v = _value.EvalString(c, s);
            if (Stopped(s)) return Flow.Exit;
            foreach (var (text, re, e) in _strCases)
            {
                if (re is not null ? re.IsMatch(v) : string.Equals(text, v, StringComparison.Ordinal)) { entry = e; break; }
            }
        }
        if (entry < 0) return Flow.Next;
        for (int i = entry; i < _body.Length; i++)
        {
            var f = _body[i].Run(c, s);
            if (f == Flow.Break) return Flow.Next;
            if (f != Flow.Next) return f;
        }
        return Flow.Next;
    }
}

using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script.Runtime;

/// <summary>A bound module or core function: a delegate compiled once with its arguments' evaluators.</summary>
internal delegate int BoundFunction(MessageContext c, ScriptState s);

/// <summary>
/// A function call. Its value is the return code; every module function call overwrites <c>$rc</c>; 0 ends
/// the script, even inside a condition (the enclosing statement sees <see cref="ScriptState.Stop"/>).
/// Core actions (setflag, isflagset, ...) leave <c>$rc</c> alone, as Kamailio's do.
/// </summary>
internal sealed class CallEv(BoundFunction fn, string name, bool setsReturnCode = true) : Ev
{
    public readonly string Name = name;

    public int Invoke(MessageContext c, ScriptState s)
    {
        int r = fn(c, s);
        if (setsReturnCode) c.ReturnCode = r;
        if (r == 0)
        {
            s.Stop = true;
            s.Ret = 0;
        }
        return r;
    }

    public override PvValue Eval(MessageContext c, ScriptState s) => Values.Int(Invoke(c, s));
    public override int EvalInt(MessageContext c, ScriptState s) => Invoke(c, s);
    public override bool EvalBool(MessageContext c, ScriptState s) => Invoke(c, s) > 0;
    public override ValueKind Kind => ValueKind.Int;
}

/// <summary>A route block compiled to statements; <see cref="Body"/> is set after all routes exist (recursion).</summary>
internal sealed class CompiledRoute(string name, RouteTypes type)
{
    public string Name { get; } = name;
    public RouteTypes Type { get; } = type;
    public St Body = BlockSt.Empty;
}

/// <summary>route(NAME): runs the route; its return value (1 when it just ends) becomes $rc.</summary>
internal sealed class RouteCallEv(CompiledRoute? target, Ev? dynamic, IReadOnlyDictionary<string, CompiledRoute>? routes) : Ev
{
    public const int MaxDepth = 100;

    public int Invoke(MessageContext c, ScriptState s)
    {
        var route = target;
        if (route is null)
        {
            var name = dynamic!.EvalString(c, s);
            if (routes is null || !routes.TryGetValue(name, out route))
            {
                c.ReturnCode = -1;
                return -1;
            }
        }
        if (s.Depth >= MaxDepth)
        {
            c.ReturnCode = -1;
            return -1;
        }
        s.Depth++;
        var flow = route.Body.Run(c, s);
        s.Depth--;
        int rc;
        switch (flow)
        {
            case Flow.Exit:
                s.Stop = true;
                return 0;
            case Flow.Return:
                rc = s.Ret;
                break;
            default:
                rc = 1;
                break;
        }
        c.ReturnCode = rc;
        return rc;
    }

    public override PvValue Eval(MessageContext c, ScriptState s) => Values.Int(Invoke(c, s));
    public override int EvalInt(MessageContext c, ScriptState s) => Invoke(c, s);
    public override bool EvalBool(MessageContext c, ScriptState s) => Invoke(c, s) > 0;
    public override ValueKind Kind => ValueKind.Int;
}

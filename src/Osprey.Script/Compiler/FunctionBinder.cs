using System.Linq.Expressions;
using System.Reflection;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Runtime;

namespace Osprey.Script.Compiler;

/// <summary>One compiled argument of a call: its evaluator, and the PV it names when it is a PV.</summary>
internal sealed record BoundArgument(Ev Value, Pv.PvAccessor? Pv, string Text, bool IsStringLiteral);

/// <summary>
/// Turns a module function export plus compiled arguments into a <see cref="BoundFunction"/>: a
/// System.Linq.Expressions lambda compiled once, calling the module method directly with each argument
/// converted as its parameter type asks (literals converted here, once: Kamailio's fixups).
/// </summary>
internal static class FunctionBinder
{
    private static readonly MethodInfo EvalString = typeof(Ev).GetMethod(nameof(Ev.EvalString))!;
    private static readonly MethodInfo EvalInt = typeof(Ev).GetMethod(nameof(Ev.EvalInt))!;
    private static readonly MethodInfo EvalBool = typeof(Ev).GetMethod(nameof(Ev.EvalBool))!;
    private static readonly MethodInfo Eval = typeof(Ev).GetMethod(nameof(Ev.Eval))!;

    /// <summary>Parameter types a module function may declare after the MessageContext.</summary>
    public static bool IsSupportedParameter(Type t) =>
        t == typeof(string) || t == typeof(int) || t == typeof(long) || t == typeof(bool) || t == typeof(PvValue) ||
        t == typeof(ScriptPv) || t == typeof(ScriptFormat);

    public static BoundFunction? Bind(ModuleFunctionExport export, object? instance, IReadOnlyList<BoundArgument> args, out string? error)
    {
        error = null;
        var m = export.Method;
        var ps = m.GetParameters();
        if (ps.Length == 0 || ps[0].ParameterType != typeof(MessageContext))
        {
            error = $"function '{export.Name}' of module '{export.Module}': its method must take MessageContext first";
            return null;
        }
        var c = Expression.Parameter(typeof(MessageContext), "c");
        var s = Expression.Parameter(typeof(ScriptState), "s");
        var callArgs = new List<Expression> { c };
        for (int i = 1; i < ps.Length; i++)
        {
            var p = ps[i];
            var t = p.ParameterType;
            if (i - 1 >= args.Count)
            {
                callArgs.Add(Expression.Constant(p.DefaultValue, t));
                continue;
            }
            var a = args[i - 1];
            var ev = a.Value;
            var argNo = i;
            Expression e;
            if (t == typeof(string))
            {
                e = ev is ConstEv k ? Expression.Constant(Values.ToStr(k.Value)) : Expression.Call(Expression.Constant(ev, typeof(Ev)), EvalString, c, s);
            }
            else if (t == typeof(int) || t == typeof(long) || t == typeof(bool))
            {
                if (ev is ConstEv k)
                {
                    int n;
                    if (k.Value.IsInt) n = (int)k.Value.Int;
                    else if (!Values.TryParseInt(k.Value.Str, out n))
                    {
                        error = $"function '{export.Name}': argument {argNo} must be an integer, not \"{k.Value.Str}\"";
                        return null;
                    }
                    e = t == typeof(int) ? Expression.Constant(n) : t == typeof(long) ? Expression.Constant((long)n) : Expression.Constant(n != 0);
                }
                else if (t == typeof(bool)) e = Expression.Call(Expression.Constant(ev, typeof(Ev)), EvalBool, c, s);
                else
                {
                    e = Expression.Call(Expression.Constant(ev, typeof(Ev)), EvalInt, c, s);
                    if (t == typeof(long)) e = Expression.Convert(e, typeof(long));
                }
            }
            else if (t == typeof(PvValue))
            {
                e = ev is ConstEv k ? Expression.Constant(k.Value) : Expression.Call(Expression.Constant(ev, typeof(Ev)), Eval, c, s);
            }
            else if (t == typeof(ScriptPv))
            {
                if (a.Pv is null)
                {
                    error = $"function '{export.Name}': argument {argNo} must be a pseudo-variable, not {a.Text}";
                    return null;
                }
                e = Expression.Constant(new ScriptPvArgument(a.Pv, a.Text), typeof(ScriptPv));
            }
            else if (t == typeof(ScriptFormat))
            {
                e = Expression.Constant(new ScriptFormatArgument(ev, a.Text), typeof(ScriptFormat));
            }
            else
            {
                error = $"function '{export.Name}' of module '{export.Module}': parameter '{p.Name}' has type {t.Name}, which the script cannot pass";
                return null;
            }
            callArgs.Add(e);
        }
        Expression target = m.IsStatic ? null! : Expression.Constant(instance, m.DeclaringType!);
        Expression call = Expression.Call(m.IsStatic ? null : target, m, callArgs);
        Expression body;
        if (m.ReturnType == typeof(int)) body = call;
        else if (m.ReturnType == typeof(bool)) body = Expression.Condition(call, Expression.Constant(1), Expression.Constant(-1));
        else if (m.ReturnType == typeof(void)) body = Expression.Block(call, Expression.Constant(1));
        else
        {
            error = $"function '{export.Name}' of module '{export.Module}': it must return int";
            return null;
        }
        return Expression.Lambda<BoundFunction>(body, c, s).Compile();
    }
}

/// <summary>The script state of the message being processed (set by the router before routes run).</summary>
internal static class ScriptStates
{
    public static ScriptState Of(MessageContext c) => (ScriptState)c.ScriptState!;
}

internal sealed class ScriptPvArgument(Pv.PvAccessor pv, string text) : ScriptPv
{
    public override string Text => text;
    public override bool IsWritable => pv.CanWrite;
    public override PvValue Get(MessageContext ctx) => pv.Get(ctx, ScriptStates.Of(ctx));
    public override bool Set(MessageContext ctx, PvValue value)
    {
        if (!pv.CanWrite) return false;
        pv.Set(ctx, ScriptStates.Of(ctx), value);
        return true;
    }
    internal Pv.PvAccessor Accessor => pv;
}

internal sealed class ScriptFormatArgument(Ev ev, string text) : ScriptFormat
{
    public override string Text => text;
    public override bool IsConstant => ev is ConstEv;
    public override string Format(MessageContext ctx) => ev.EvalString(ctx, ScriptStates.Of(ctx));
}

/// <summary>A module parameter's format: evaluated with the context's script state, or a fresh one for
/// a context that no route has run on (tm callbacks such as acc's).</summary>
internal sealed class ModuleFormat(Ev ev, string text, Func<CompiledScript?> script) : ScriptFormat
{
    public override string Text => text;
    public override bool IsConstant => ev is ConstEv;
    public override string Format(MessageContext ctx)
    {
        var s = ctx.ScriptState as ScriptState ?? script()?.StateFor(ctx);
        return s is null ? "" : ev.EvalString(ctx, s);
    }
}

using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Ast;
using Osprey.Script.Runtime;

namespace Osprey.Script;

/// <summary>
/// A kamailio.cfg compiled once: its routes as bound statement objects, its module instances and its core
/// settings. Immutable after load; a reload builds a new one and swaps it in.
/// </summary>
public sealed class CompiledScript
{
    private readonly Dictionary<(RouteKind, string), CompiledRoute> _routes;
    private readonly CompiledRoute? _request;
    private readonly CompiledRoute? _reply;

    internal CompiledScript(string file, ScriptSettings settings, ModuleSet modules, Dictionary<(RouteKind, string), CompiledRoute> routes, int varCount, ScriptLog log)
    {
        File = file;
        Settings = settings;
        Modules = modules;
        _routes = routes;
        VarCount = varCount;
        Log = log;
        routes.TryGetValue((RouteKind.Request, ""), out _request);
        routes.TryGetValue((RouteKind.Reply, ""), out _reply);
    }

    public string File { get; }
    public ScriptSettings Settings { get; }

    /// <summary>Loaded module instances (the control plane reads RPC commands and statistics from here).</summary>
    public ModuleSet Modules { get; }

    public ScriptLog Log { get; }
    internal int VarCount { get; }

    public bool HasRequestRoute => _request is not null;
    public bool HasReplyRoute => _reply is not null;

    /// <summary>True when a route of that type and name exists (tm checks t_on_failure("X") targets).</summary>
    public bool HasRoute(RouteTypes type, string name) => Find(type, name) is not null;

    private CompiledRoute? Find(RouteTypes type, string name)
    {
        var kind = type switch
        {
            RouteTypes.Request => name.Length == 0 ? RouteKind.Request : RouteKind.Named,
            RouteTypes.Failure => RouteKind.Failure,
            RouteTypes.Branch => RouteKind.Branch,
            RouteTypes.OnReply => name.Length == 0 ? RouteKind.Reply : RouteKind.OnReply,
            RouteTypes.CoreReply => RouteKind.Reply,
            RouteTypes.OnSend => RouteKind.OnSend,
            RouteTypes.Event => RouteKind.Event,
            _ => RouteKind.Named,
        };
        return _routes.TryGetValue((kind, kind is RouteKind.Request or RouteKind.Reply or RouteKind.OnSend ? "" : name), out var r) ? r : null;
    }

    internal ScriptState StateFor(MessageContext ctx)
    {
        if (ctx.ScriptState is ScriptState s && ReferenceEquals(s.Script, this)) return s;
        // A new thread, or the first message after a reload: this thread's $var start over.
        s = new ScriptState(this);
        ctx.ScriptState = s;
        return s;
    }

    /// <summary>
    /// Runs a route on a context with the given route type: request_route (name ""), failure_route[name],
    /// branch_route[name], onreply_route[name], reply_route, event_route[name]. Returns the route's value
    /// (0 when it ended the script with exit/drop); <see cref="MessageContext.Dropped"/> tells whether it
    /// dropped. -1 when no such route exists.
    /// </summary>
    public int RunRoute(RouteTypes type, string name, MessageContext ctx)
    {
        var route = Find(type, name);
        return route is null ? -1 : Run(route, type, ctx);
    }

    internal int Run(CompiledRoute route, RouteTypes type, MessageContext ctx)
    {
        var s = StateFor(ctx);
        // A module may run a route while another runs on the same context (t_relay running branch_route):
        // the outer route's signals are kept and restored.
        var (savedType, savedStop, savedRet, savedDepth) = (ctx.RouteType, s.Stop, s.Ret, s.Depth);
        ctx.RouteType = type;
        s.Stop = false;
        s.Depth = 0;
        var flow = route.Body.Run(ctx, s);
        int result = flow is Flow.Exit or Flow.Return ? s.Ret : 1;
        (ctx.RouteType, s.Stop, s.Ret, s.Depth) = (savedType, savedStop, savedRet, savedDepth);
        return result;
    }

    internal void RunRequest(MessageContext ctx)
    {
        Values.ResetBuilders();
        if (_request is not null) Run(_request, RouteTypes.Request, ctx);
    }

    /// <summary>reply_route: false when the script dropped the reply.</summary>
    internal bool RunReply(MessageContext ctx)
    {
        if (_reply is null) return true;
        Values.ResetBuilders();
        Run(_reply, RouteTypes.CoreReply, ctx);
        return !ctx.Dropped;
    }
}

using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script;

/// <summary>
/// onsend_route of the running script: runs on the context of the message being sent with
/// <c>$snd(...)</c> and the onsend keywords describing the send; <c>drop</c> keeps the message from
/// the wire. The context's drop flag and route signals are those of the caller again afterwards.
/// </summary>
internal sealed class ScriptOnSend(ScriptRouter router, bool replies) : IOnSendRoute
{
    private static readonly Func<MessageContext, bool> s_run = RunOn;

    [ThreadStatic] private static ScriptRouter? t_router;

    public bool RunsForReplies { get; } = replies;

    public bool Allow(MessageContext ctx, in OutgoingSend send)
    {
        var saved = t_router;
        t_router = router;
        try
        {
            return OnSendFrame.Run(ctx, send, s_run);
        }
        finally
        {
            t_router = saved;
        }
    }

    private static bool RunOn(MessageContext ctx)
    {
        bool wasDropped = ctx.Dropped;
        var savedType = ctx.RouteType;
        ctx.Dropped = false;
        t_router!.Script.RunRoute(RouteTypes.OnSend, "", ctx);
        bool dropped = ctx.Dropped;
        ctx.Dropped = wasDropped;
        ctx.RouteType = savedType;
        return !dropped;
    }

    /// <summary>Installs (or removes) the hook on the server for the script's onsend_route.</summary>
    public static void Attach(SipServer server, ScriptRouter router)
    {
        var script = router.Script;
        if (!script.HasRoute(RouteTypes.OnSend, ""))
        {
            server.OnSend = null;
            return;
        }
        var raw = script.Settings.Raw("onsend_route_reply");
        bool replies = raw.Count > 0 && (raw[^1].IsInt ? raw[^1].Int != 0 : raw[^1].Str is "yes" or "on" or "true" or "1");
        server.OnSend = new ScriptOnSend(router, replies);
    }
}

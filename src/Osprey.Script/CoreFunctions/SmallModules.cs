using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Runtime;

namespace Osprey.Script.CoreFunctions;

/// <summary>The pv module's functions (its pseudo-variables are the engine's own).</summary>
[Module("pv")]
public sealed class PvModule : ModuleBase
{
    [ModParam("shvset")] public List<string> SharedValues { get; } = [];
    [ModParam("varset")] public List<string> VarValues { get; } = [];
    [ModParam("avp_aliases")] public string AvpAliases { get; set; } = "";

    /// <summary>pv_isset(pv): 1 when the pseudo-variable has a value.</summary>
    [Function("pv_isset")]
    public int IsSet(MessageContext ctx, ScriptPv pv) => pv.Get(ctx).IsNull ? -1 : 1;

    /// <summary>pv_unset(pv): delete/reset the value, like assigning $null.</summary>
    [Function("pv_unset")]
    public int Unset(MessageContext ctx, ScriptPv pv) => pv.Set(ctx, PvValue.Null) ? 1 : -1;

    public override string? Init()
    {
        // shvset "name=i:1" / "name=s:text" (repeatable): initial $shv values.
        foreach (var item in SharedValues)
        {
            int eq = item.IndexOf('=');
            if (eq <= 0 || eq + 2 >= item.Length || item[eq + 2] != ':') return $"bad shvset value '{item}' (expected name=i:number or name=s:text)";
            var name = item[..eq];
            var value = item[(eq + 3)..];
            Pv.SharedVariable.Get(name).Value = item[eq + 1] == 'i'
                ? PvValue.FromInt(Values.TryParseInt(value, out var n) ? n : 0)
                : PvValue.FromString(value);
        }
        return null;
    }
}

/// <summary>kex: branch flags, destination URI and myself helpers.</summary>
[Module("kex")]
public sealed class KexModule : ModuleBase
{
    [Function("setbflag")]
    public int SetBranchFlag(MessageContext ctx, int flag, int branch = 0) => ChangeFlag(ctx, flag, branch, true);

    [Function("resetbflag")]
    public int ResetBranchFlag(MessageContext ctx, int flag, int branch = 0) => ChangeFlag(ctx, flag, branch, false);

    [Function("isbflagset")]
    public int IsBranchFlagSet(MessageContext ctx, int flag, int branch = 0)
    {
        if ((uint)flag > 63) return -1;
        ulong flags;
        if (branch == 0) flags = ctx.BranchFlags;
        else if (branch - 1 < ctx.Branches.Count) flags = ctx.Branches[branch - 1].Flags;
        else return -1;
        return (flags & (1UL << flag)) != 0 ? 1 : -1;
    }

    private static int ChangeFlag(MessageContext ctx, int flag, int branch, bool set)
    {
        if ((uint)flag > 63) return -1;
        ulong bit = 1UL << flag;
        if (branch == 0)
        {
            ctx.BranchFlags = set ? ctx.BranchFlags | bit : ctx.BranchFlags & ~bit;
            return 1;
        }
        if (branch - 1 >= ctx.Branches.Count) return -1;
        ref var b = ref ctx.Branches[branch - 1];
        b.Flags = set ? b.Flags | bit : b.Flags & ~bit;
        return 1;
    }

    /// <summary>setdebug(level): this worker logs at <paramref name="level"/> until resetdebug().</summary>
    [Function("setdebug")]
    public int SetDebug(MessageContext ctx, int level)
    {
        ScriptLog.ThreadLevel = level;
        return 1;
    }

    /// <summary>resetdebug(): this worker logs at the configured <c>debug</c> level again.</summary>
    [Function("resetdebug")]
    public int ResetDebug(MessageContext ctx)
    {
        ScriptLog.ThreadLevel = null;
        return 1;
    }

    [Function("setdsturi")]
    public int SetDestinationUri(MessageContext ctx, string uri)
    {
        ctx.DestinationUri = uri;
        return 1;
    }

    [Function("resetdsturi")]
    public int ResetDestinationUri(MessageContext ctx)
    {
        ctx.DestinationUri = null;
        return 1;
    }

    [Function("isdsturiset")]
    public int IsDestinationUriSet(MessageContext ctx) => ctx.DestinationUri is null ? -1 : 1;

    [Function("is_myself")]
    public int IsMyself(MessageContext ctx, string uri)
    {
        var u = new UriText(uri.Contains(':', StringComparison.Ordinal) ? uri : "sip:" + uri);
        if (!u.Valid) return -1;
        _ = int.TryParse(u.Port, System.Globalization.CultureInfo.InvariantCulture, out var port);
        return ctx.Server.Myself.IsMyself(System.Text.Encoding.UTF8.GetBytes(u.Host), port) ? 1 : -1;
    }

    [Function("pv_printf")]
    public int PvPrintf(MessageContext ctx, ScriptPv target, ScriptFormat format) => target.Set(ctx, PvValue.FromString(format.Format(ctx))) ? 1 : -1;
}

/// <summary>corex: append_branch and friends.</summary>
[Module("corex")]
public sealed class CorexModule : ModuleBase
{
    /// <summary>append_branch(): adds the current R-URI (and $du) as a new branch; with a URI, that URI.</summary>
    [Function("append_branch", RouteTypes.Request | RouteTypes.Failure)]
    public int AppendBranch(MessageContext ctx)
    {
        var uri = ctx.NewRequestUri ?? Values.Utf8(ctx.Message.RequestUriText);
        ctx.Branches.Add(uri, ctx.DestinationUri, -1, flags: ctx.BranchFlags);
        return 1;
    }

    [Function("append_branch", RouteTypes.Request | RouteTypes.Failure)]
    public int AppendBranch(MessageContext ctx, string uri, string q = "")
    {
        int qv = -1;
        if (q.Length > 0 && decimal.TryParse(q, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d)) qv = (int)(d * 1000);
        ctx.Branches.Add(uri, null, qv);
        return 1;
    }
}

/// <summary>corex's routing functions (its RPC commands are in Osprey.Modules' CorexModule).</summary>
[Module("corex")]
public sealed class CorexFunctions : ModuleBase
{
    /// <summary>set_send_socket("proto:host:port"): the socket to send from, as force_send_socket does,
    /// with variables expanded; -1 when no listener matches.</summary>
    [Function("set_send_socket", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.OnReply)]
    public int SetSendSocket(MessageContext ctx, string socket) => CoreActions.UseSendSocket(ctx, socket);

    /// <summary>forward_reply(): forwards the received reply statelessly to its next Via (core reply route).</summary>
    [Function("forward_reply", RouteTypes.CoreReply | RouteTypes.OnReply)]
    public int ForwardReply(MessageContext ctx) => ctx.Message.IsReply && ctx.Server.Forwarder.ForwardReply(ctx) ? 1 : -1;
}

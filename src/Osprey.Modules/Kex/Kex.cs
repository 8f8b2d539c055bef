using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.Kex;

/// <summary>
/// Kamailio's kex, script flags part. The module is split over several classes (the module registry
/// merges them): the script compiler's <c>KexModule</c> has the branch flags, <c>setdsturi</c>,
/// <c>resetdsturi</c>, <c>isdsturiset</c>, <c>is_myself</c> and <c>pv_printf</c>; message flags
/// (<c>setflag</c>/<c>isflagset</c>) are the core's.
/// </summary>
[Module("kex")]
public sealed class Kex : ModuleBase
{
    private const int True = 1, False = -1;

    /// <summary><c>setsflag(flag)</c>: sets script flag 0..63; false for a flag out of range.</summary>
    [Function("setsflag", RouteTypes.Any)]
    public int SetSFlag(MessageContext ctx, int flag)
    {
        if ((uint)flag > 63) return False;
        ctx.ScriptFlags |= 1UL << flag;
        return True;
    }

    [Function("resetsflag", RouteTypes.Any)]
    public int ResetSFlag(MessageContext ctx, int flag)
    {
        if ((uint)flag > 63) return False;
        ctx.ScriptFlags &= ~(1UL << flag);
        return True;
    }

    [Function("issflagset", RouteTypes.Any)]
    public int IsSFlagSet(MessageContext ctx, int flag) => (uint)flag <= 63 && (ctx.ScriptFlags & (1UL << flag)) != 0 ? True : False;
}

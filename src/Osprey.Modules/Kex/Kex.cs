using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Kex;

/// <summary>
/// Kamailio's kex: script flags, the destination URI, and <c>is_myself</c>. (Message flags —
/// <c>setflag</c>/<c>isflagset</c> — are the core's.)
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

    /// <summary><c>setdsturi(uri)</c>: sends the request to this URI instead of the Request-URI's host
    /// (<c>$du</c>); false when the value is not a URI.</summary>
    [Function("setdsturi", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int SetDstUri(MessageContext ctx, string uri)
    {
        if (!SipUri.TryParse(uri, out var u) || !u.IsValid) return False;
        ctx.DestinationUri = uri;
        return True;
    }

    [Function("resetdsturi", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int ResetDstUri(MessageContext ctx)
    {
        ctx.DestinationUri = null;
        return True;
    }

    [Function("isdsturiset", RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch)]
    public int IsDstUriSet(MessageContext ctx) => ctx.DestinationUri is not null ? True : False;

    /// <summary><c>is_myself(uri)</c>: the URI's host and port name this server (listen address,
    /// advertised address or alias), as the core's <c>myself</c> keyword tests them.</summary>
    [Function("is_myself", RouteTypes.Any)]
    public int IsMyself(MessageContext ctx, string uri)
    {
        if (!SipUri.TryParse(uri, out var u) || !u.IsSipOrSips) return False;
        return ctx.Server.Myself.IsMyself(u.Host, u.Port) ? True : False;
    }
}

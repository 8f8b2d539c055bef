using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Pv;
using Osprey.Script.Runtime;

namespace Osprey.Script.CoreFunctions;

/// <summary>
/// The core actions of the language (forward, setflag, rewrite*, force_rport, log, ...), declared like a
/// module's functions so they bind through the same compiled-delegate path. Always loaded; core names
/// bind only here (a module cannot override them, as in Kamailio).
/// </summary>
[Module(ModuleName)]
public sealed class CoreActions : ModuleBase
{
    public const string ModuleName = "core";

    /// <summary>Where log() writes; set by the loader.</summary>
    public ScriptLog Log { get; set; } = ScriptLog.Stderr;

    private const RouteTypes Req = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.Event;

    [Function("forward", Req)]
    public int Forward(MessageContext ctx) => ForwardTo(ctx, null);

    [Function("forward", Req)]
    public int Forward(MessageContext ctx, string host, int port = 0) => ForwardTo(ctx, "sip:" + host + (port > 0 ? ":" + port : ""));

    [Function("forward_udp", Req)]
    public int ForwardUdp(MessageContext ctx, string host = "", int port = 0) => ForwardProto(ctx, host, port, "udp");

    [Function("forward_tcp", Req)]
    public int ForwardTcp(MessageContext ctx, string host = "", int port = 0) => ForwardProto(ctx, host, port, "tcp");

    [Function("forward_tls", Req)]
    public int ForwardTls(MessageContext ctx, string host = "", int port = 0) => ForwardProto(ctx, host, port, "tls");

    private int ForwardProto(MessageContext ctx, string host, int port, string proto)
    {
        if (host.Length == 0)
        {
            var target = new UriText(ctx.DestinationUri ?? ctx.NewRequestUri ?? Values.Utf8(ctx.Message.RequestUriText));
            host = target.Host;
            if (port == 0) _ = int.TryParse(target.Port, System.Globalization.CultureInfo.InvariantCulture, out port);
        }
        return ForwardTo(ctx, "sip:" + host + (port > 0 ? ":" + port : "") + ";transport=" + proto);
    }

    private static int ForwardTo(MessageContext ctx, string? destination)
    {
        if (!ctx.Message.IsRequest) return -1;
        var saved = ctx.DestinationUri;
        if (destination is not null) ctx.DestinationUri = destination;
        var outcome = ctx.Server.Forwarder.ForwardRequest(ctx);
        ctx.DestinationUri = saved;
        if (outcome.Sent) return 1;
        // DNS lookup in flight: the request is dropped for the client to retransmit, so the script ends
        // here (0) rather than reply an error.
        return outcome == Osprey.Core.Stateless.ForwardOutcome.Pending ? 0 : -1;
    }

    [Function("setflag")]
    public int SetFlag(MessageContext ctx, int flag)
    {
        if ((uint)flag > 63) return -1;
        ctx.Flags |= 1UL << flag;
        return 1;
    }

    [Function("resetflag")]
    public int ResetFlag(MessageContext ctx, int flag)
    {
        if ((uint)flag > 63) return -1;
        ctx.Flags &= ~(1UL << flag);
        return 1;
    }

    [Function("isflagset")]
    public int IsFlagSet(MessageContext ctx, int flag) => (uint)flag <= 63 && (ctx.Flags & (1UL << flag)) != 0 ? 1 : -1;

    [Function("force_rport", Req | RouteTypes.OnReply)]
    public int ForceRport(MessageContext ctx)
    {
        ctx.ForceRport = true;
        return 1;
    }

    [Function("add_rport", Req | RouteTypes.OnReply)]
    public int AddRport(MessageContext ctx) => ForceRport(ctx);

    [Function("add_local_rport", Req)]
    public int AddLocalRport(MessageContext ctx)
    {
        ctx.AddLocalRport = true;
        return 1;
    }

    [Function("set_reply_no_connect")]
    public int SetReplyNoConnect(MessageContext ctx)
    {
        ctx.ReplyNoConnect = true;
        return 1;
    }

    [Function("set_reply_close")]
    public int SetReplyClose(MessageContext ctx)
    {
        ctx.ReplyClose = true;
        return 1;
    }

    [Function("set_forward_no_connect")]
    public int SetForwardNoConnect(MessageContext ctx)
    {
        ctx.ForwardNoConnect = true;
        return 1;
    }

    [Function("set_forward_close")]
    public int SetForwardClose(MessageContext ctx)
    {
        ctx.ForwardClose = true;
        return 1;
    }

    private static string Ruri(MessageContext ctx) => ctx.NewRequestUri ?? Values.Utf8(ctx.Message.RequestUriText);

    [Function("rewriteuri", Req)]
    [Function("seturi", Req)]
    public int SetUri(MessageContext ctx, string uri)
    {
        if (!ctx.Message.IsRequest) return -1;
        ctx.NewRequestUri = uri;
        return 1;
    }

    [Function("rewritehost", Req)]
    [Function("sethost", Req)]
    [Function("seth", Req)]
    public int SetHost(MessageContext ctx, string host) => Rewrite(ctx, u => u.With(host: host));

    [Function("rewritehostport", Req)]
    [Function("sethostport", Req)]
    [Function("sethp", Req)]
    public int SetHostPort(MessageContext ctx, string hostport)
    {
        var (h, p) = SplitHostPort(hostport);
        return Rewrite(ctx, u => u.With(host: h, port: p));
    }

    [Function("rewritehostporttrans", Req)]
    [Function("sethostporttrans", Req)]
    [Function("sethpt", Req)]
    public int SetHostPortTrans(MessageContext ctx, string hostport) => SetHostPort(ctx, hostport);

    [Function("rewriteuser", Req)]
    [Function("setuser", Req)]
    [Function("setu", Req)]
    public int SetUser(MessageContext ctx, string user) => Rewrite(ctx, u => u.With(user: user));

    [Function("rewriteuserpass", Req)]
    [Function("setuserpass", Req)]
    [Function("setup", Req)]
    public int SetUserPass(MessageContext ctx, string userpass) => Rewrite(ctx, u => u.With(user: userpass));

    [Function("rewriteport", Req)]
    [Function("setport", Req)]
    [Function("setp", Req)]
    public int SetPort(MessageContext ctx, string port) => Rewrite(ctx, u => u.With(port: port));

    [Function("prefix", Req)]
    public int Prefix(MessageContext ctx, string prefix) => Rewrite(ctx, u => u.With(user: prefix + u.User));

    [Function("strip", Req)]
    public int Strip(MessageContext ctx, int n) => Rewrite(ctx, u => u.With(user: n >= u.User.Length ? "" : u.User[Math.Max(0, n)..]));

    [Function("strip_tail", Req)]
    public int StripTail(MessageContext ctx, int n) => Rewrite(ctx, u => u.With(user: n >= u.User.Length ? "" : u.User[..(u.User.Length - Math.Max(0, n))]));

    [Function("revert_uri", Req)]
    public int RevertUri(MessageContext ctx)
    {
        ctx.NewRequestUri = null;
        return 1;
    }

    private static int Rewrite(MessageContext ctx, Func<UriText, string> change)
    {
        if (!ctx.Message.IsRequest) return -1;
        var u = new UriText(Ruri(ctx));
        if (!u.Valid) return -1;
        ctx.NewRequestUri = change(u);
        return 1;
    }

    private static (string Host, string Port) SplitHostPort(string hp)
    {
        int c = hp.LastIndexOf(':');
        if (c > 0 && hp.IndexOf(']') < c) return (hp[..c], hp[(c + 1)..]);
        return (hp, "");
    }

    [Function("force_send_socket", Req | RouteTypes.OnReply)]
    public int ForceSendSocket(MessageContext ctx, string socket) => UseSendSocket(ctx, socket);

    /// <summary>Sends the message from the listener named "proto:host[:port]"; -1 when none matches
    /// (force_send_socket, corex's set_send_socket).</summary>
    internal static int UseSendSocket(MessageContext ctx, string socket)
    {
        var l = CorePvs.FindSocket(ctx.Server, socket);
        if (l is null) return -1;
        ctx.SendSocket = l;
        return 1;
    }

    [Function("set_advertised_address", Req)]
    public int SetAdvertisedAddress(MessageContext ctx, string address)
    {
        ctx.AdvertisedAddress = address;
        return 1;
    }

    [Function("set_advertised_port", Req)]
    public int SetAdvertisedPort(MessageContext ctx, int port)
    {
        ctx.AdvertisedPort = port;
        return 1;
    }

    [Function("remove_branch", Req)]
    public int RemoveBranch(MessageContext ctx, int index)
    {
        if ((uint)index >= (uint)ctx.Branches.Count) return -1;
        ctx.Branches.RemoveAt(index);
        return 1;
    }

    [Function("clear_branches", Req)]
    public int ClearBranches(MessageContext ctx)
    {
        ctx.Branches.Clear();
        return 1;
    }

    /// <summary>log([level,] text): prints the text as written (no PV expansion); the one-argument form
    /// logs at debug level.</summary>
    [Function("log")]
    public int LogText(MessageContext ctx, int level, ScriptFormat text)
    {
        Log.Write(level, text.Text);
        return 1;
    }

    [Function("log")]
    public int LogText(MessageContext ctx, ScriptFormat text)
    {
        Log.Write(ScriptLog.Debug, text.Text);
        return 1;
    }

    [Function("error")]
    public int Error(MessageContext ctx, string a, string b) => 1;
}

using Osprey.Core.Modules;
using Osprey.Core.Rpc;

namespace Osprey.Modules.Corex;

/// <summary>
/// The <c>corex</c> module's control commands: <c>corex.list_sockets</c> and <c>corex.list_aliases</c>
/// (what <c>kamctl srv sockets</c> / <c>srv aliases</c> call).
/// </summary>
[Module("corex")]
public sealed class CorexModule : ModuleBase
{
    [Rpc("corex.list_sockets", "List the listening sockets.")]
    public void ListSockets(IRpcContext rpc)
    {
        foreach (var l in Server.Listeners)
        {
            using var s = rpc.Struct();
            s.Add("PROTO", l.Protocol.ToString().ToLowerInvariant());
            s.Add("ADDRLIST", l.Bind.Address.ToString());
            s.Add("PORT", l.Bind.Port);
            s.Add("MCAST", "no");
            s.Add("MHOMED", "no");
            if (l.AdvertisedHost is not null)
                s.Add("ADVERTISE", l.Host + ":" + l.Port);
        }
    }

    [Rpc("corex.list_aliases", "List the host aliases (alias=).")]
    public void ListAliases(IRpcContext rpc)
    {
        foreach (var a in Server.Settings.Aliases)
        {
            using var s = rpc.Struct();
            int colon = a.LastIndexOf(':');
            bool hasPort = colon > 0 && a.IndexOf(']', StringComparison.Ordinal) < colon && int.TryParse(a.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
            s.Add("ALIAS", hasPort ? a[..colon] : a);
            s.Add("PORT", hasPort ? int.Parse(a.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture) : 0);
        }
    }
}

using Osprey.Core.Modules;

namespace Osprey.Modules.Ctl;

/// <summary>
/// The <c>ctl</c> module: binrpc control sockets for <c>kamcmd</c>. <c>modparam("ctl", "binrpc", "unix:/run/osprey/osprey_ctl")</c>
/// may be given several times; the control plane serves them (see <c>ControlPlane</c>).
/// </summary>
[Module("ctl")]
public sealed class CtlModule : ModuleBase
{
    /// <summary>Kamailio's default control socket.</summary>
    public const string DefaultSocket = "unix:/run/kamailio/kamailio_ctl";

    private readonly List<string> _sockets = [];

    /// <summary>A binrpc socket; each setting adds one (Kamailio allows several).</summary>
    [ModParam("binrpc")]
    public string Binrpc
    {
        get => _sockets.Count > 0 ? _sockets[^1] : DefaultSocket;
        set => _sockets.Add(value);
    }

    /// <summary>Permissions of the unix socket file, octal (<c>mode</c>); default 0600.</summary>
    [ModParam("mode")]
    public string Mode { get; set; } = "0600";

    /// <summary>The sockets to serve: those configured, or the default one.</summary>
    public IReadOnlyList<string> Sockets => _sockets.Count > 0 ? _sockets : [DefaultSocket];

    public override string? Init()
    {
        foreach (var s in Sockets)
        {
            if (!CtlEndpoint.TryParse(s, out _, out string error))
                return error;
        }
        try
        {
            _ = Convert.ToInt32(Mode, 8);
        }
        catch (FormatException)
        {
            return "ctl: mode must be octal, e.g. 0600, not " + Mode;
        }
        return null;
    }

    /// <summary>The <see cref="Mode"/> as file permissions.</summary>
    public UnixFileMode FileMode => (UnixFileMode)Convert.ToInt32(Mode, 8);
}

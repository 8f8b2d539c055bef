using System.Text;
using Osprey.Sip.Text;
using Osprey.Transport;

namespace Osprey.Core.Net;

/// <summary>A further "is this host ours" check (the domain module's local domains); any port.</summary>
public delegate bool MyselfCheck(ReadOnlySpan<byte> host, int port);

/// <summary>
/// Decides whether a host (and port) names this server: a listen address, an advertised address, or an
/// alias (Kamailio's <c>myself</c>). Lookups compare bytes; nothing is allocated per call.
/// </summary>
public sealed class Myself
{
    private readonly (byte[] Host, int Port)[] _names;

    public Myself(IEnumerable<ListenEndpoint> listeners, IEnumerable<string> aliases)
    {
        var names = new List<(byte[], int)>();
        foreach (var l in listeners)
        {
            var bindHost = l.Bind.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + l.Bind.Address + "]" : l.Bind.Address.ToString();
            names.Add((Encoding.ASCII.GetBytes(bindHost), l.Bind.Port));
            if (l.AdvertisedHost is not null) names.Add((Encoding.ASCII.GetBytes(l.AdvertisedHost), l.Port));
        }
        foreach (var a in aliases)
        {
            // alias=host or alias=host:port (a port of 0 matches any port)
            int colon = a.LastIndexOf(':');
            if (colon > 0 && !a.EndsWith(']') && int.TryParse(a.AsSpan(colon + 1), out var p)) names.Add((Encoding.ASCII.GetBytes(a[..colon]), p));
            else names.Add((Encoding.ASCII.GetBytes(a), 0));
        }
        _names = [.. names];
    }

    /// <summary>Checks asked when no listen address or alias matches (see <see cref="MyselfCheck"/>).</summary>
    public MyselfCheck? Extra { get; set; }

    /// <summary>True when <paramref name="host"/>:<paramref name="port"/> is ours. A port of 0 means "not
    /// given": it matches listeners on 5060 (RFC 3261 default), and aliases registered without a port.</summary>
    public bool IsMyself(ReadOnlySpan<byte> host, int port)
    {
        foreach (var (h, p) in _names)
        {
            if (!SipChars.EqualsIgnoreCase(host, h)) continue;
            if (p == 0 || p == port || (port == 0 && (p == 5060 || p == 5061))) return true;
        }
        return Extra is { } extra && AnyExtra(extra, host, port);
    }

    private static bool AnyExtra(MyselfCheck extra, ReadOnlySpan<byte> host, int port)
    {
        foreach (var d in extra.GetInvocationList())
        {
            if (((MyselfCheck)d)(host, port)) return true;
        }
        return false;
    }

    /// <summary>Host only, any port.</summary>
    public bool IsMyHost(ReadOnlySpan<byte> host)
    {
        foreach (var (h, _) in _names)
        {
            if (SipChars.EqualsIgnoreCase(host, h)) return true;
        }
        return Extra is { } extra && AnyExtra(extra, host, 0);
    }
}

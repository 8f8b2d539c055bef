using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Runtime;
using Osprey.Transport;

namespace Osprey.Script.Pv;

/// <summary>The message being sent, as onsend_route reads it: <c>$snd(...)</c> and the keywords
/// <c>snd_ip</c>, <c>snd_port</c>, <c>snd_proto</c>, <c>snd_af</c>, <c>to_ip</c>, <c>to_port</c>.</summary>
internal static class SndPvs
{
    /// <summary><c>$snd(name)</c>: the message being sent, in onsend_route (null elsewhere): ip, port, proto
    /// (number: 1 udp, 2 tcp, 3 tls, 4 sctp, 5 ws, 6 wss), sproto (name), af, buf, len, sip (the local socket).</summary>
    public static PvAccessor? Create(string? inner, out string? error)
    {
        error = null;
        Func<OnSendInfo, PvValue>? get = inner switch
        {
            "ip" => i => PvValue.FromString(i.Destination.Address.ToString()),
            "port" => i => Values.Int(i.Destination.Port),
            "proto" => i => Values.Int(ProtoNumber(i.Protocol)),
            "sproto" => i => PvValue.FromString(i.Protocol.Name()),
            "af" => i => Values.Int(i.Destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 10 : 2),
            "buf" => i => PvValue.FromString(System.Text.Encoding.UTF8.GetString(i.Data)),
            "len" => i => Values.Int(i.Data.Length),
            "sip" => i => i.Local is null ? PvValue.Null : PvValue.FromString(i.Local.Bind.Address.ToString()),
            "sport" => i => i.Local is null ? PvValue.Null : Values.Int(i.Local.Bind.Port),
            _ => null,
        };
        if (get is null) { error = "$snd(" + inner + "): unknown name (ip, port, proto, sproto, af, buf, len, sip, sport)"; return null; }
        var kind = inner is "port" or "proto" or "af" or "len" or "sport" ? ValueKind.Int : ValueKind.Unknown;
        return new MessagePv(c => OnSendFrame.Current is { } info ? get(info) : PvValue.Null, kind: kind);
    }

    private static int ProtoNumber(SipProtocol p) => p switch
    {
        SipProtocol.Udp => 1,
        SipProtocol.Tcp => 2,
        SipProtocol.Tls => 3,
        SipProtocol.Ws => 5,
        SipProtocol.Wss => 6,
        _ => 4,
    };
}

using System.Net;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script.Runtime;

internal enum MyselfTarget : byte { RequestUri, FromUri, ToUri, SourceIp, DestinationIp, Value }

/// <summary>'X == myself': the host (and port) is one of ours (listen addresses and aliases).</summary>
internal sealed class MyselfEv(MyselfTarget target, Ev? value, bool negate) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;
    public override ValueKind Kind => ValueKind.Int;

    public override bool EvalBool(MessageContext c, ScriptState s) => Check(c, s) != negate;

    private bool Check(MessageContext c, ScriptState s)
    {
        var me = c.Server.Myself;
        var m = c.Message;
        switch (target)
        {
            case MyselfTarget.RequestUri when c.NewRequestUri is null:
                if (!m.IsRequest) return false;
                return me.IsMyself(m.RequestUri.Host, m.RequestUri.Port);
            case MyselfTarget.FromUri:
                return m.From.IsValid && me.IsMyself(m.From.Uri.Host, m.From.Uri.Port);
            case MyselfTarget.ToUri:
                return m.To.IsValid && me.IsMyself(m.To.Uri.Host, m.To.Uri.Port);
            case MyselfTarget.SourceIp:
                return IsMyAddress(c, c.Source.Address);
            case MyselfTarget.DestinationIp:
                return IsMyAddress(c, c.Local.Bind.Address);
        }
        var text = target == MyselfTarget.RequestUri ? c.NewRequestUri! : value!.EvalString(c, s);
        string host;
        int port = 0;
        if (text.Contains(':', StringComparison.Ordinal) && !IPAddress.TryParse(text, out _))
        {
            var u = new UriText(text);
            if (!u.Valid) return false;
            host = u.Host;
            _ = int.TryParse(u.Port, System.Globalization.CultureInfo.InvariantCulture, out port);
        }
        else host = text;
        return me.IsMyself(Encoding.UTF8.GetBytes(host), port);
    }

    private static bool IsMyAddress(MessageContext c, IPAddress a)
    {
        Span<byte> buf = stackalloc byte[64];
        return a.TryFormat(buf, out int n) && c.Server.Myself.IsMyHost(buf[..n]);
    }
}

/// <summary>'src_ip == 10.0.0.0/8', 'src_ip == host.name' (resolved at start-up), 'dst_ip == ...'.</summary>
internal sealed class IpMatchEv(bool destination, IPAddress[] addresses, int prefix, Ev? dynamic, bool negate) : Ev
{
    public override PvValue Eval(MessageContext c, ScriptState s) => EvalBool(c, s) ? Values.One : Values.Zero;
    public override int EvalInt(MessageContext c, ScriptState s) => EvalBool(c, s) ? 1 : 0;
    public override ValueKind Kind => ValueKind.Int;

    public override bool EvalBool(MessageContext c, ScriptState s)
    {
        var ip = destination ? c.Local.Bind.Address : c.Source.Address;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (dynamic is not null)
        {
            var text = dynamic.EvalString(c, s);
            return (IPAddress.TryParse(text.Trim('[', ']'), out var a) && a.Equals(ip)) != negate;
        }
        foreach (var a in addresses)
        {
            if (prefix < 0 ? a.Equals(ip) : InNetwork(ip, a, prefix)) return !negate;
        }
        return negate;
    }

    private static bool InNetwork(IPAddress ip, IPAddress net, int prefix)
    {
        if (ip.AddressFamily != net.AddressFamily) return false;
        Span<byte> a = stackalloc byte[16], b = stackalloc byte[16];
        ip.TryWriteBytes(a, out int n);
        net.TryWriteBytes(b, out _);
        for (int i = 0; i < n && prefix > 0; i++, prefix -= 8)
        {
            int mask = prefix >= 8 ? 0xff : (0xff << (8 - prefix)) & 0xff;
            if ((a[i] & mask) != (b[i] & mask)) return false;
        }
        return true;
    }
}

using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;

namespace Osprey.Modules.Registrar;

/// <summary>
/// The methods a contact accepts, as the bitmask Kamailio keeps in the location table's <c>methods</c>
/// column (same bit values, so a table shared with Kamailio reads the same). -1: not known, all allowed.
/// </summary>
internal static class MethodSet
{
    public const int Other = 524288;

    public static int Bit(SipMethod m) => m switch
    {
        SipMethod.Invite => 1,
        SipMethod.Cancel => 2,
        SipMethod.Ack => 4,
        SipMethod.Bye => 8,
        SipMethod.Info => 16,
        SipMethod.Register => 32,
        SipMethod.Subscribe => 64,
        SipMethod.Notify => 128,
        SipMethod.Message => 256,
        SipMethod.Options => 512,
        SipMethod.Prack => 1024,
        SipMethod.Update => 2048,
        SipMethod.Refer => 4096,
        SipMethod.Publish => 8192,
        _ => Other,
    };

    /// <summary>The contact's <c>methods</c> parameter (RFC 3840 §9), else the REGISTER's Allow header; -1 when neither.</summary>
    public static int Of(SipMessage msg, in NameAddr contact)
    {
        if (contact.TryGetParam("methods"u8, out var v) && !v.IsEmpty)
        {
            if (v.Length >= 2 && v[0] == (byte)'"' && v[^1] == (byte)'"') v = v[1..^1];
            int mask = 0;
            foreach (var r in HeaderValues.Split(v, new TextRange(0, v.Length))) mask |= Bit(SipMethods.Parse(SipChars.Trim(r.Of(v))));
            return mask;
        }
        int i = msg.IndexOf(HeaderId.Allow);
        if (i < 0) return -1;
        int m = 0;
        var s = msg.Span;
        for (; i >= 0; i = msg.NextIndexOf(HeaderId.Allow, i))
        {
            foreach (var r in HeaderValues.Split(s, msg.Header(i).Value)) m |= Bit(SipMethods.Parse(r.Of(s)));
        }
        return m;
    }
}

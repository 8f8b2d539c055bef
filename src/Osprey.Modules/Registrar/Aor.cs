using System.Text;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Sip.Uri;

namespace Osprey.Modules.Registrar;

/// <summary>Building the address-of-record key of a URI, and reading REGISTER option tags and contact parameters.</summary>
internal static class Aor
{
    /// <summary>The usrloc key of a URI: the user (lower-cased unless case_sensitive), with "@host"
    /// (host always lower-cased, RFC 3261 §19.1.4) when use_domain is set. False when the URI has no user
    /// and no host. With <paramref name="table"/>, an AOR already stored there comes back as the stored
    /// string (nothing allocated for a known user).</summary>
    public static bool TryKey(in SipUri uri, bool caseSensitive, bool useDomain, out string aor, string realmPrefix = "", Osprey.Modules.Usrloc.LocationTable? table = null)
    {
        aor = "";
        if (!uri.IsValid) return false;
        var user = uri.User;
        var host = uri.Host;
        // realm_prefix: "sip.example.com" counts as "example.com"
        if (realmPrefix.Length > 0 && host.Length > realmPrefix.Length && Ascii.EqualsIgnoreCase(host[..realmPrefix.Length], realmPrefix)) host = host[realmPrefix.Length..];
        if (user.IsEmpty && host.IsEmpty) return false;
        int len = user.Length + (useDomain ? host.Length + 1 : 0);
        Span<byte> buf = len <= 512 ? stackalloc byte[len] : new byte[len];
        user.CopyTo(buf);
        if (!caseSensitive) Ascii.ToLowerInPlace(buf[..user.Length], out _);
        if (useDomain)
        {
            buf[user.Length] = (byte)'@';
            host.CopyTo(buf[(user.Length + 1)..]);
            Ascii.ToLowerInPlace(buf[(user.Length + 1)..], out _);
        }
        if (user.IsEmpty && !useDomain) return false;
        aor = table?.KnownAor(buf) ?? Encoding.UTF8.GetString(buf);
        return true;
    }

    public static bool TryKey(string uriText, bool caseSensitive, bool useDomain, out string aor, string realmPrefix = "", Osprey.Modules.Usrloc.LocationTable? table = null)
    {
        aor = "";
        return SipUri.TryParse(Encoding.UTF8.GetBytes(uriText), out var uri) && TryKey(uri, caseSensitive, useDomain, out aor, realmPrefix, table);
    }

    /// <summary>True when a header of this id lists the option tag (Supported: path, Require: outbound).</summary>
    public static bool HasOptionTag(SipMessage msg, HeaderId id, ReadOnlySpan<byte> tag)
    {
        var s = msg.Span;
        for (int i = msg.IndexOf(id); i >= 0; i = msg.NextIndexOf(id, i))
        {
            foreach (var r in HeaderValues.Split(s, msg.Header(i).Value))
            {
                if (SipChars.EqualsIgnoreCase(r.Of(s), tag)) return true;
            }
        }
        return false;
    }

    /// <summary>A q-value (RFC 3261 §20.10: 0, 1, or 0.xxx) as thousandths; false when malformed.</summary>
    public static bool TryParseQ(ReadOnlySpan<byte> v, out int q)
    {
        q = 0;
        if (v.IsEmpty || v.Length > 5) return false;
        if (v[0] == (byte)'1')
        {
            q = 1000;
            for (int i = 1; i < v.Length; i++)
            {
                if ((i == 1 && v[i] != (byte)'.') || (i > 1 && v[i] != (byte)'0')) return false;
            }
            return true;
        }
        if (v[0] != (byte)'0') return false;
        if (v.Length == 1) return true;
        if (v[1] != (byte)'.') return false;
        int scale = 100;
        for (int i = 2; i < v.Length; i++)
        {
            if (!SipChars.IsDigit(v[i])) return false;
            q += (v[i] - '0') * scale;
            scale /= 10;
        }
        return true;
    }

    /// <summary>The +sip.instance value without its quotes and angle brackets (RFC 5626 §4.1).</summary>
    public static string? Instance(in NameAddr c)
    {
        if (!c.TryGetParam("+sip.instance"u8, out var v) || v.IsEmpty) return null;
        if (v.Length >= 2 && v[0] == (byte)'"' && v[^1] == (byte)'"') v = v[1..^1];
        if (v.Length >= 2 && v[0] == (byte)'<' && v[^1] == (byte)'>') v = v[1..^1];
        return v.IsEmpty ? null : Encoding.UTF8.GetString(v);
    }

    /// <summary>All Path header values of the request, comma-joined in order (RFC 3327 §5.3).</summary>
    public static string? PathOf(SipMessage msg)
    {
        int i = msg.IndexOf(HeaderId.Path);
        if (i < 0) return null;
        var sb = new StringBuilder();
        for (; i >= 0; i = msg.NextIndexOf(HeaderId.Path, i))
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(msg.ValueString(i));
        }
        return sb.ToString();
    }

    /// <summary>The URI inside the first element of a Path (the next hop towards the UA), or null.</summary>
    public static string? FirstHop(string path)
    {
        int lt = path.IndexOf('<');
        if (lt >= 0)
        {
            int gt = path.IndexOf('>', lt + 1);
            return gt > lt ? path.Substring(lt + 1, gt - lt - 1) : null;
        }
        int comma = path.IndexOf(',');
        var first = (comma < 0 ? path : path[..comma]).Trim();
        return first.Length == 0 ? null : first;
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Script.Compiler;
using Osprey.Script.Runtime;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Script.Pv;

/// <summary>
/// The core and pv-module pseudo-variables for message parts, with writes where Kamailio allows them.
/// Reads of message text hand out the message's bytes (no string) when the consumer can take them.
/// </summary>
internal static class CorePvs
{
    /// <summary>Names this table provides (the config check and the binder ask).</summary>
    public static readonly HashSet<string> Names =
    [
        "ru", "rU", "rd", "rp", "rP", "rz", "rv", "ou", "oU", "od", "op", "du", "dd", "dp", "dP", "fs", "br", "bf", "mf",
        "rm", "ci", "fu", "fU", "fd", "fn", "ft", "tu", "tU", "td", "tn", "tt", "si", "sp", "su", "Ri", "Rp", "Ru", "pr",
        "proto", "rs", "rr", "hdr", "hdrc", "cs", "ua", "ct", "cT", "cl", "rb", "mb", "ml", "mi", "mt", "cfg", "rc",
        "retcode", "?", "Ts", "TS", "Tf", "TV", "time", "utime", "timef", "utimef", "pp", "RANDOM", "env", "null",
        "ai", "pu", "pU", "pd", "var", "avp", "xavp", "shv", "sel", "msg", "stat", "snd",
    ];

    // One buffer per PV ($si, $Ri) so both can be compared with each other.
    // The transport hands out the same IPAddress instance for a peer, so the text is formatted once per address.
    private sealed class AddressText
    {
        public IPAddress? Address;
        public readonly byte[] Bytes = new byte[64];
        public int Length;
    }

    [ThreadStatic] private static AddressText? t_sourceAddr;
    [ThreadStatic] private static AddressText? t_localAddr;

    private static ReadOnlySpan<byte> FormatAddress(IPAddress a, bool local)
    {
        var t = local ? t_localAddr ??= new AddressText() : t_sourceAddr ??= new AddressText();
        if (!ReferenceEquals(t.Address, a))
        {
            t.Length = a.TryFormat(t.Bytes, out int n) ? n : 0;
            t.Address = a;
        }
        return t.Bytes.AsSpan(0, t.Length);
    }

    private static string CurrentRuri(MessageContext c) =>
        c.NewRequestUri ?? Values.Utf8(c.Message.RequestUriText);

    private static PvValue Str(string? s) => s is null ? PvValue.Null : PvValue.FromString(s);
    private static PvValue NonEmpty(string s) => s.Length == 0 ? PvValue.Null : PvValue.FromString(s);

    /// <summary>Creates the accessor for a core PV (without index/transformations, which the binder adds).</summary>
    public static PvAccessor? Create(string name, string? inner, CompileEnv env, out string? error)
    {
        error = null;
        switch (name)
        {
            case "null": return new ConstPv(PvValue.Null);
            case "rc" or "retcode" or "?": return new StatePv((c, _) => Values.Int(c.ReturnCode), kind: ValueKind.Int);
            case "ru":
                return new MessagePv(
                    c => c.Message.IsRequest ? PvValue.FromString(CurrentRuri(c)) : PvValue.Null,
                    (c, v) => { if (!v.IsNull) c.NewRequestUri = Values.ToStr(v); });
            case "rU":
                return new RuriPartPv(true, (c, v) => c.NewRequestUri = new UriText(CurrentRuri(c)).With(user: Values.ToStr(v)));
            case "rd":
                return new RuriPartPv(false, (c, v) => { if (!v.IsNull) c.NewRequestUri = new UriText(CurrentRuri(c)).With(host: Values.ToStr(v)); });
            case "rp":
                return new MessagePv(c =>
                    {
                        if (!c.Message.IsRequest) return PvValue.Null;
                        var u = new UriText(CurrentRuri(c));
                        return u.Port.Length > 0 && int.TryParse(u.Port, CultureInfo.InvariantCulture, out var p) ? Values.Int(p) : Values.Int(u.Scheme == "sips" ? 5061 : 5060);
                    },
                    (c, v) => c.NewRequestUri = new UriText(CurrentRuri(c)).With(port: v.IsNull ? "" : Values.ToStr(v)));
            case "rP":
                return new MessagePv(c => c.Message.IsRequest ? PvValue.FromString(new UriText(CurrentRuri(c)).Param("transport") ?? "udp") : PvValue.Null);
            case "rz": return new MessagePv(c => c.Message.IsRequest ? NonEmpty(new UriText(CurrentRuri(c)).Scheme) : PvValue.Null);
            case "rv": return new MessagePv(c => PvValue.FromString("SIP/2.0"));
            case "ou": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.IsRequest ? c.Message.RequestUriText : default; return c.Message.IsRequest; });
            case "oU": return new MessagePv(c => c.Message.IsRequest ? NonEmpty(Values.Utf8(c.Message.RequestUri.User)) : PvValue.Null);
            case "od": return new MessagePv(c => c.Message.IsRequest ? NonEmpty(Values.Utf8(c.Message.RequestUri.Host)) : PvValue.Null);
            case "op": return new MessagePv(c => c.Message.IsRequest ? Values.Int(c.Message.RequestUri.PortOrDefault) : PvValue.Null, kind: ValueKind.Int);
            case "du":
                return new MessagePv(c => Str(c.DestinationUri), (c, v) => c.DestinationUri = v.IsNull || Values.ToStr(v).Length == 0 ? null : Values.ToStr(v));
            case "dd": return new MessagePv(c => c.DestinationUri is null ? PvValue.Null : NonEmpty(new UriText(c.DestinationUri).Host));
            case "dp":
                return new MessagePv(c =>
                {
                    if (c.DestinationUri is null) return PvValue.Null;
                    var u = new UriText(c.DestinationUri);
                    return int.TryParse(u.Port, CultureInfo.InvariantCulture, out var p) ? Values.Int(p) : Values.Int(5060);
                });
            case "dP": return new MessagePv(c => c.DestinationUri is null ? PvValue.Null : PvValue.FromString(new UriText(c.DestinationUri).Param("transport") ?? "udp"));
            case "fs":
                return new MessagePv(c => c.SendSocket is null ? PvValue.Null : PvValue.FromString(SocketText(c.SendSocket)),
                    (c, v) => c.SendSocket = v.IsNull ? null : FindSocket(c.Server, Values.ToStr(v)));
            case "br":
                return new MessagePv(c => c.Branches.Count == 0 ? PvValue.Null : PvValue.FromString(c.Branches[0].Uri),
                    (c, v) =>
                    {
                        if (v.IsNull) { if (c.Branches.Count > 0) c.Branches.RemoveAt(0); return; }
                        if (c.Branches.Count == 0) c.Branches.Add(Values.ToStr(v));
                        else c.Branches[0].Uri = Values.ToStr(v);
                    });
            case "bf":
                return new MessagePv(c => Values.Int(unchecked((int)c.BranchFlags)), (c, v) => c.BranchFlags = unchecked((uint)Values.ToInt(v)), ValueKind.Int);
            case "mf":
                return new MessagePv(c => Values.Int(unchecked((int)c.Flags)), (c, v) => c.Flags = unchecked((uint)Values.ToInt(v)), ValueKind.Int);
            case "rm":
                return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) =>
                {
                    var m = c.Message;
                    v = m.IsRequest ? m.MethodText : m.CSeq.MethodRange.Of(m.Span);
                    return true;
                });
            case "ci": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => Header(c, HeaderId.CallId, out v));
            case "cs": return new MessagePv(c => c.Message.CSeq.IsValid ? Values.Int(unchecked((int)c.Message.CSeq.Number)) : PvValue.Null, kind: ValueKind.Int);
            case "ua": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => Header(c, HeaderId.UserAgent, out v));
            case "ct": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => Header(c, HeaderId.Contact, out v));
            case "cT": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => Header(c, HeaderId.ContentType, out v));
            case "cl": return new MessagePv(c => Values.Int(c.Message.ContentLength >= 0 ? c.Message.ContentLength : c.Message.BodyLength), kind: ValueKind.Int);
            case "rb": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.Body; return true; });
            case "mb": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.Span[..c.Message.Length]; return true; });
            case "ml": return new MessagePv(c => Values.Int(c.Message.Length), kind: ValueKind.Int);
            case "mi": return new MessagePv(c => Values.Int(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(c.Message) & 0x7fffffff), kind: ValueKind.Int);
            case "mt": return new MessagePv(c => Values.Int(c.Message.IsRequest ? 1 : 2), kind: ValueKind.Int);
            case "rs": return new MessagePv(c => c.Message.IsRequest ? PvValue.Null : Values.Int(c.Message.StatusCode), kind: ValueKind.Int);
            case "rr": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.Reason; return !c.Message.IsRequest; });
            case "fu": return AddressUri(HeaderId.From, Part.Uri);
            case "fU": return AddressUri(HeaderId.From, Part.User);
            case "fd": return AddressUri(HeaderId.From, Part.Host);
            case "fn": return AddressUri(HeaderId.From, Part.Display);
            case "ft": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { ref readonly var f = ref c.Message.From; v = f.Tag; return f.IsValid && f.HasTag; });
            case "tu": return AddressUri(HeaderId.To, Part.Uri);
            case "tU": return AddressUri(HeaderId.To, Part.User);
            case "td": return AddressUri(HeaderId.To, Part.Host);
            case "tn": return AddressUri(HeaderId.To, Part.Display);
            case "tt": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { ref readonly var t = ref c.Message.To; v = t.Tag; return t.IsValid && t.HasTag; });
            case "ai": return OtherHeaderUri("P-Asserted-Identity", Part.Uri);
            case "pu": return OtherHeaderUri("P-Preferred-Identity", Part.Uri);
            case "pU": return OtherHeaderUri("P-Preferred-Identity", Part.User);
            case "pd": return OtherHeaderUri("P-Preferred-Identity", Part.Host);
            case "si": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = FormatAddress(c.Source.Address, false); return true; });
            case "sp": return new MessagePv(c => Values.Int(c.Source.Port), kind: ValueKind.Int);
            case "su":
                return new MessagePv(c =>
                {
                    var a = c.Source.Address;
                    var host = a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + a + "]" : a.ToString();
                    var t = c.Protocol == SipProtocol.Udp ? "" : ";transport=" + c.Protocol.Name();
                    return PvValue.FromString("sip:" + host + ":" + Values.IntToString(c.Source.Port) + t);
                });
            case "Ri": return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = FormatAddress(c.Local.Bind.Address, true); return true; });
            case "Rp": return new MessagePv(c => Values.Int(c.Local.Bind.Port), kind: ValueKind.Int);
            case "Ru": return new MessagePv(c => PvValue.FromString("sip:" + c.Local.Host + ":" + Values.IntToString(c.Local.Port) + (c.Protocol == SipProtocol.Udp ? "" : ";transport=" + c.Protocol.Name())));
            case "pr" or "proto": return new MessagePv(c => PvValue.FromString(c.Protocol.Name()));
            case "cfg":
                switch (inner)
                {
                    case "line": return new ConstPv(Values.Int(env.Location.Line));
                    case "file": return new ConstPv(PvValue.FromString(env.Location.File));
                    case "name": return new ConstPv(PvValue.FromString(Path.GetFileName(env.Location.File)));
                    case "route": return new ConstPv(PvValue.FromString(env.RouteName ?? ""));
                    default: error = "$cfg takes line, file, name or route"; return null;
                }
            case "Ts": return new MessagePv(_ => Values.Int(unchecked((int)DateTimeOffset.UtcNow.ToUnixTimeSeconds())), kind: ValueKind.Int);
            case "TS": return new MessagePv(_ => Values.Int(unchecked((int)DateTimeOffset.UtcNow.ToUnixTimeSeconds())), kind: ValueKind.Int);
            case "Tf": return new MessagePv(_ => PvValue.FromString(DateTime.Now.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture)));
            case "TV":
                return inner switch
                {
                    "s" or null => new MessagePv(_ => Values.Int(unchecked((int)DateTimeOffset.UtcNow.ToUnixTimeSeconds())), kind: ValueKind.Int),
                    "u" => new MessagePv(_ => Values.Int((int)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1000 * 1000)), kind: ValueKind.Int),
                    "sn" => new MessagePv(_ => Values.Int(unchecked((int)DateTimeOffset.UtcNow.ToUnixTimeSeconds())), kind: ValueKind.Int),
                    "un" => new MessagePv(_ => Values.Int((int)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1000 * 1000)), kind: ValueKind.Int),
                    "Sn" or "Fn" => new MessagePv(_ => PvValue.FromString(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + "." + (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() % 1000 * 1000).ToString("D6", CultureInfo.InvariantCulture))),
                    _ => Fail(out error, "$TV takes s, u, sn, un or Sn"),
                };
            case "time" or "utime":
            {
                bool utc = name == "utime";
                Func<DateTime, int>? f = inner switch
                {
                    "sec" => d => d.Second,
                    "min" => d => d.Minute,
                    "hour" => d => d.Hour,
                    "mday" => d => d.Day,
                    "mon" => d => d.Month,
                    "year" => d => d.Year,
                    "wday" => d => (int)d.DayOfWeek + 1,
                    "yday" => d => d.DayOfYear,
                    "isdst" => d => d.IsDaylightSavingTime() ? 1 : 0,
                    _ => null,
                };
                if (f is null) return Fail(out error, $"${name} takes sec, min, hour, mday, mon, year, wday, yday or isdst");
                return new MessagePv(_ => Values.Int(f(utc ? DateTime.UtcNow : DateTime.Now)), kind: ValueKind.Int);
            }
            case "timef" or "utimef":
            {
                var fmt = inner ?? "";
                bool utc = name == "utimef";
                return new MessagePv(_ => PvValue.FromString(Strftime(fmt, utc ? DateTime.UtcNow : DateTime.Now)));
            }
            case "pp": return new ConstPv(Values.Int(Environment.ProcessId));
            case "RANDOM": return new MessagePv(_ => Values.Int(Random.Shared.Next()), kind: ValueKind.Int);
            case "env": return new MessagePv(_ => Str(Environment.GetEnvironmentVariable(inner ?? "")));
            case "msg":
                return inner switch
                {
                    "len" => new MessagePv(c => Values.Int(c.Message.Length), kind: ValueKind.Int),
                    "buf" => new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.Span[..c.Message.Length]; return true; }),
                    "body" => new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.Body; return true; }),
                    "hdrs" => new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) => { v = c.Message.Span[c.Message.HeadersStart..c.Message.HeadersEnd]; return true; }),
                    _ => Fail(out error, "$msg takes len, buf, body or hdrs"),
                };
            case "stat":
            {
                if (string.IsNullOrEmpty(inner)) return Fail(out error, "$stat needs a statistic name: $stat(name) or $stat(group:name)");
                var statName = inner;
                return new MessagePv(c => c.Server.Statistics.TryGet(statName, out var st) ? Values.Int(unchecked((int)st.Read())) : PvValue.Null, kind: ValueKind.Unknown);
            }
            case "hdrc":
            {
                var h = new HeaderName(inner ?? "");
                return new MessagePv(c => Values.Int(h.Count(c.Message)), kind: ValueKind.Int);
            }
            case "snd":
                return SndPvs.Create(inner, out error);
            case "hdr":
                if (string.IsNullOrEmpty(inner)) return Fail(out error, "$hdr needs a header name: $hdr(Name)");
                return new HeaderPv(new HeaderName(inner), 0, false);
            case "var":
                if (string.IsNullOrEmpty(inner)) return Fail(out error, "$var needs a name: $var(name)");
                return new VarPv(env.VarSlot(inner));
            case "shv":
                if (string.IsNullOrEmpty(inner)) return Fail(out error, "$shv needs a name: $shv(name)");
                return new ShvPv(SharedVariable.Get(inner));
            case "sel":
                if (inner is not null && inner.StartsWith("cfg_get.", StringComparison.Ordinal) && env.CustomVariable(inner["cfg_get.".Length..]) is { } cv)
                    return new ConstPv(cv);
                return Fail(out error, $"select '{inner}' is not supported by Osprey (only cfg_get.<group>.<var> of declared variables)");
        }
        return null;
    }

    private static PvAccessor? Fail(out string? error, string message)
    {
        error = message;
        return null;
    }

    private static bool Header(MessageContext c, HeaderId id, out ReadOnlySpan<byte> v)
    {
        var m = c.Message;
        int i = m.IndexOf(id);
        if (i < 0) { v = default; return false; }
        v = m.ValueAt(i);
        return true;
    }

    private enum Part { Uri, User, Host, Display }

    /// <summary>From/To URI parts; writes replace the URI in the header (reads keep showing the received value, as in Kamailio).</summary>
    private static PvAccessor AddressUri(HeaderId id, Part part)
    {
        Action<MessageContext, PvValue>? set = part == Part.Display ? null : (c, v) =>
        {
            if (v.IsNull) return;
            var m = c.Message;
            ref readonly var na = ref id == HeaderId.From ? ref m.From : ref m.To;
            if (!na.IsValid) return;
            var cur = new UriText(Values.Utf8(na.UriText));
            var text = Values.ToStr(v);
            var updated = part switch
            {
                Part.Uri => text,
                Part.User => cur.With(user: text),
                _ => cur.With(host: text),
            };
            c.Editor.Replace(na.UriRange.Start, na.UriRange.Length, Encoding.UTF8.GetBytes(updated));
        };
        if (part == Part.Uri)
        {
            return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) =>
            {
                ref readonly var na = ref id == HeaderId.From ? ref c.Message.From : ref c.Message.To;
                v = na.UriText;
                return na.IsValid;
            }, set);
        }
        if (part == Part.Display)
        {
            return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) =>
            {
                ref readonly var na = ref id == HeaderId.From ? ref c.Message.From : ref c.Message.To;
                v = na.DisplayName;
                return na.IsValid && !v.IsEmpty;
            });
        }
        return new MessagePv((MessageContext c, out ReadOnlySpan<byte> v) =>
        {
            ref readonly var na = ref id == HeaderId.From ? ref c.Message.From : ref c.Message.To;
            if (!na.IsValid) { v = default; return false; }
            v = part == Part.User ? na.Uri.User : na.Uri.Host;
            return !v.IsEmpty;
        }, set);
    }

    private static PvAccessor OtherHeaderUri(string header, Part part)
    {
        var h = new HeaderName(header);
        return new MessagePv(c =>
        {
            int i = h.Find(c.Message, 0);
            if (i < 0) return PvValue.Null;
            var na = new NameAddrText(c.Message.ValueString(i));
            var u = new UriText(na.Uri);
            return part switch
            {
                Part.Uri => NonEmpty(na.Uri),
                Part.User => NonEmpty(u.User),
                _ => NonEmpty(u.Host),
            };
        });
    }

    public static string SocketText(ListenEndpoint l)
    {
        var a = l.Bind.Address;
        var host = a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + a + "]" : a.ToString();
        return l.Protocol.Name() + ":" + host + ":" + Values.IntToString(l.Bind.Port);
    }

    /// <summary>Finds a listening socket by "proto:host[:port]" (force_send_socket, $fs).</summary>
    public static ListenEndpoint? FindSocket(SipServer server, string text)
    {
        var t = text.Trim();
        SipProtocol? proto = null;
        int c = t.IndexOf(':');
        if (c > 0 && SipProtocolExtensions.TryParse(t.AsSpan(0, c), out var p)) { proto = p; t = t[(c + 1)..]; }
        string host = t;
        int port = 0;
        int lc = t.LastIndexOf(':');
        if (lc > 0 && t.IndexOf(']') < lc && int.TryParse(t.AsSpan(lc + 1), CultureInfo.InvariantCulture, out var pn)) { host = t[..lc]; port = pn; }
        host = host.Trim('[', ']');
        foreach (var l in server.Listeners)
        {
            if (proto is not null && l.Protocol != proto) continue;
            if (port != 0 && l.Bind.Port != port) continue;
            if (string.Equals(l.Bind.Address.ToString(), host, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(l.Host, host, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(l.AdvertisedHost, host, StringComparison.OrdinalIgnoreCase)) return l;
        }
        return null;
    }

    /// <summary>The strftime conversions configs use.</summary>
    public static string Strftime(string fmt, DateTime d)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < fmt.Length; i++)
        {
            if (fmt[i] != '%' || i + 1 == fmt.Length) { sb.Append(fmt[i]); continue; }
            var k = fmt[++i];
            sb.Append(k switch
            {
                'Y' => d.ToString("yyyy", CultureInfo.InvariantCulture),
                'm' => d.ToString("MM", CultureInfo.InvariantCulture),
                'd' => d.ToString("dd", CultureInfo.InvariantCulture),
                'H' => d.ToString("HH", CultureInfo.InvariantCulture),
                'M' => d.ToString("mm", CultureInfo.InvariantCulture),
                'S' => d.ToString("ss", CultureInfo.InvariantCulture),
                'y' => d.ToString("yy", CultureInfo.InvariantCulture),
                'b' => d.ToString("MMM", CultureInfo.InvariantCulture),
                'a' => d.ToString("ddd", CultureInfo.InvariantCulture),
                'j' => d.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
                's' => new DateTimeOffset(d).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                '%' => "%",
                _ => "%" + k,
            });
        }
        return sb.ToString();
    }
}

/// <summary>$rU / $rd: bytes of the received Request-URI until the script rewrites it.</summary>
internal sealed class RuriPartPv(bool user, Action<MessageContext, PvValue> set) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s)
    {
        if (!c.Message.IsRequest) return PvValue.Null;
        if (c.NewRequestUri is null)
        {
            ref readonly var u = ref c.Message.RequestUri;
            var part = user ? u.User : u.Host;
            return part.IsEmpty ? PvValue.Null : PvValue.FromString(Values.Utf8(part));
        }
        var t = new UriText(c.NewRequestUri);
        var p = user ? t.User : t.Host;
        return p.Length == 0 ? PvValue.Null : PvValue.FromString(p);
    }

    public override bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined)
    {
        value = default;
        defined = false;
        if (c.NewRequestUri is not null) return false;
        if (!c.Message.IsRequest) return true;
        ref readonly var u = ref c.Message.RequestUri;
        value = user ? u.User : u.Host;
        defined = !value.IsEmpty;
        return true;
    }

    public override bool CanWrite => true;
    public override void Set(MessageContext c, ScriptState s, PvValue value) => set(c, value);
}

/// <summary>A header name resolved once: a known id, or the name bytes for extension headers.</summary>
internal sealed class HeaderName
{
    private readonly HeaderId _id;
    private readonly byte[] _name;

    public HeaderName(string name)
    {
        _name = Encoding.UTF8.GetBytes(name);
        _id = HeaderNames.Lookup(_name);
    }

    /// <summary>Index of the n-th header with this name at or after position 0, -1 when absent.</summary>
    public int Find(SipMessage m, int nth)
    {
        var s = m.Span;
        for (int i = 0; i < m.HeaderCount; i++)
        {
            ref readonly var h = ref m.Header(i);
            bool match = _id != HeaderId.Other ? h.Id == _id : h.Id == HeaderId.Other && Ascii.EqualsIgnoreCase(h.Name.Of(s), _name);
            if (match && nth-- == 0) return i;
        }
        return -1;
    }

    public int Count(SipMessage m)
    {
        int n = 0;
        while (Find(m, n) >= 0) n++;
        return n;
    }
}

/// <summary>$hdr(Name), $(hdr(Name)[n]), [-1] the last, [*] all values joined.</summary>
internal sealed class HeaderPv(HeaderName header, int index, bool all) : PvAccessor
{
    public override PvValue Get(MessageContext c, ScriptState s)
    {
        if (all)
        {
            int n = header.Count(c.Message);
            if (n == 0) return PvValue.Null;
            var sb = new StringBuilder();
            for (int k = 0; k < n; k++)
            {
                if (k > 0) sb.Append(',');
                sb.Append(c.Message.ValueString(header.Find(c.Message, k)));
            }
            return PvValue.FromString(sb.ToString());
        }
        return TryUtf8(c, s, out var v, out var d) && d ? PvValue.FromString(Values.Utf8(v)) : PvValue.Null;
    }

    public override bool TryUtf8(MessageContext c, ScriptState s, out ReadOnlySpan<byte> value, out bool defined)
    {
        value = default;
        defined = false;
        if (all) return false;
        int nth = index;
        if (nth < 0) nth += header.Count(c.Message);
        int i = nth < 0 ? -1 : header.Find(c.Message, nth);
        if (i >= 0)
        {
            value = c.Message.ValueAt(i);
            defined = true;
        }
        return true;
    }
}

using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Sip.Headers;
using Osprey.Sip.Message;
using Osprey.Sip.Text;
using Osprey.Transport;

namespace Osprey.Modules.Rr;

/// <summary>
/// The rr module: Record-Route on initial requests (RFC 3261 §16.6 step 4) and Route processing of
/// in-dialog requests (§16.4, §16.12, with the strict-router compatibility of RFC 3261).
/// </summary>
[Module("rr")]
public sealed class RrModule : ModuleBase
{
    private readonly ConcurrentDictionary<string, Regex> _patterns = new(StringComparer.Ordinal);

    /// <summary>Per message: the parameters of our Route (loose_route) and the rr parameters added so far.</summary>
    private sealed class State
    {
        public long Message; // the message's Serial
        public string? AddedParams;

        /// <summary>The parameters of our Route that loose_route consumed (in the message's buffer; the
        /// state belongs to that message), as text on first use.</summary>
        public ReadOnlyMemory<byte> RouteParamBytes;
        public bool HasRouteParams;
        private string? _routeParams;

        public string? RouteParams => HasRouteParams ? _routeParams ??= Encoding.UTF8.GetString(RouteParamBytes.Span) : null;

        public void SetRouteParams(ReadOnlyMemory<byte> p)
        {
            RouteParamBytes = p;
            HasRouteParams = true;
            _routeParams = null;
        }
        public bool Recorded;
    }

    [ThreadStatic] private static State? t_state;

    [ModParam("enable_full_lr")] public int EnableFullLr { get; set; }
    [ModParam("append_fromtag")] public int AppendFromTag { get; set; } = 1;
    [ModParam("enable_double_rr")] public int EnableDoubleRr { get; set; } = 1;

    private static State For(SipMessage msg)
    {
        var s = t_state ??= new State();
        if (s.Message != msg.Serial)
        {
            s.Message = msg.Serial;
            s.AddedParams = null;
            s.HasRouteParams = false;
            s.RouteParamBytes = default;
            s.Recorded = false;
        }
        return s;
    }

    // ---------------------------------------------------------------- Record-Route

    [Function("record_route", RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure)]
    public int RecordRoute(MessageContext ctx) => RecordRoute(ctx, "");

    /// <summary>Adds our Record-Route (two when the request leaves by another socket or transport than
    /// it came in on: <c>r2=on</c>), with the From tag (<c>ftag</c>) and the given parameters.</summary>
    [Function("record_route", RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure)]
    public int RecordRoute(MessageContext ctx, string parameters)
    {
        var msg = ctx.Message;
        if (!msg.IsRequest) return -1;
        var st = For(msg);
        if (st.Recorded) return -1;
        var extra = (st.AddedParams ?? "") + Normalise(parameters);
        ListenEndpoint? outbound = null;
        if (EnableDoubleRr != 0 && Server.Forwarder.TryResolveNextHop(msg, ctx.DestinationUri, ctx.NewRequestUri, ctx.SendSocket, out var hop, out _)
            && hop.Local != ctx.Local)
        {
            outbound = hop.Local;
        }
        var sb = new StringBuilder(160);
        if (outbound is not null) AppendRr(sb, SocketUri(outbound), true, msg, extra);
        AppendRr(sb, SocketUri(ctx.Local), outbound is not null, msg, extra);
        Insert(ctx, sb);
        st.Recorded = true;
        return 1;
    }

    [Function("record_route_preset", RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure)]
    public int RecordRoutePreset(MessageContext ctx, string address) => RecordRoutePreset(ctx, address, "");

    /// <summary>Record-Route with the given address(es) instead of the socket's: one, or two (double).</summary>
    [Function("record_route_preset", RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure)]
    public int RecordRoutePreset(MessageContext ctx, string address, string address2)
    {
        var msg = ctx.Message;
        if (!msg.IsRequest || string.IsNullOrEmpty(address)) return -1;
        var st = For(msg);
        if (st.Recorded) return -1;
        var extra = st.AddedParams ?? "";
        bool dbl = !string.IsNullOrEmpty(address2);
        var sb = new StringBuilder(160);
        AppendRr(sb, address.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || address.StartsWith("sips:", StringComparison.OrdinalIgnoreCase) ? address : "sip:" + address, dbl, msg, extra);
        if (dbl) AppendRr(sb, address2.StartsWith("sip", StringComparison.OrdinalIgnoreCase) ? address2 : "sip:" + address2, true, msg, extra);
        Insert(ctx, sb);
        st.Recorded = true;
        return 1;
    }

    /// <summary>add_rr_param(";name=value"): a parameter for the Record-Route of this request. Must be
    /// called before record_route (the header is written when record_route runs).</summary>
    [Function("add_rr_param", RouteTypes.Request | RouteTypes.Branch | RouteTypes.Failure)]
    public int AddRrParam(MessageContext ctx, string param)
    {
        var st = For(ctx.Message);
        if (st.Recorded || string.IsNullOrEmpty(param)) return -1;
        st.AddedParams += Normalise(param);
        return 1;
    }

    private static string Normalise(string p) => string.IsNullOrEmpty(p) ? "" : p[0] == ';' ? p : ";" + p;

    private static string SocketUri(ListenEndpoint l) =>
        "sip:" + l.Host + ":" + l.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + (l.Protocol == SipProtocol.Udp ? "" : ";transport=" + l.Protocol.Name());

    private void AppendRr(StringBuilder sb, string uri, bool r2, SipMessage msg, string extra)
    {
        sb.Append("Record-Route: <").Append(uri);
        if (r2) sb.Append(";r2=on");
        sb.Append(EnableFullLr != 0 ? ";lr=on" : ";lr");
        if (AppendFromTag != 0 && msg.From.HasTag) sb.Append(";ftag=").Append(msg.From.TagString);
        sb.Append(extra).Append(">\r\n");
    }

    private static void Insert(MessageContext ctx, StringBuilder sb)
    {
        var ed = ctx.Editor;
        ed.BeginInsert(ctx.Message.HeadersStart);
        ed.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        ed.EndInsert();
    }

    // ---------------------------------------------------------------- Route processing

    private readonly record struct RouteElement(int Header, TextRange Range);

    /// <summary>
    /// loose_route: for a request with Route headers. A Request-URI that is ours means a strict router
    /// sent it (§16.4): the last Route becomes the Request-URI. Our own top Route (two with r2) is removed;
    /// the next Route, if loose, becomes the destination; if strict, it becomes the Request-URI and the
    /// old Request-URI goes last into Route (§16.6 step 6). 1 when Route processing happened, -1 when
    /// the request has no Route.
    /// </summary>
    [Function("loose_route", RouteTypes.Request)]
    public int LooseRoute(MessageContext ctx)
    {
        var msg = ctx.Message;
        if (!msg.IsRequest) return -1;
        var st = For(msg);
        var elems = Elements(msg);
        if (elems.Count == 0) return -1;
        var myself = Server.Myself;
        int first = 0, last = elems.Count - 1;
        var removed = Removed(elems.Count);
        ref readonly var ruri = ref msg.RequestUri;
        if (ruri.IsSipOrSips && ctx.NewRequestUri is null && myself.IsMyself(ruri.Host, ruri.Port))
        {
            // §16.4: the previous hop was a strict router; the real target is the last Route
            if (!Parse(msg, elems[last], out var target)) return -1;
            st.SetRouteParams(ruri.ParametersMemory);
            ctx.NewRequestUri = target.UriString;
            removed[last] = true;
            last--;
            if (last < first)
            {
                Apply(ctx, elems, removed);
                return 1;
            }
        }
        if (!Parse(msg, elems[first], out var top)) return -1;
        if (!top.Uri.IsSipOrSips || !myself.IsMyself(top.Uri.Host, top.Uri.Port))
        {
            Apply(ctx, elems, removed);
            return 1; // not ours: it routes on as it is
        }
        st.SetRouteParams(top.Uri.ParametersMemory);
        removed[first] = true;
        first++;
        if (top.Uri.TryGetParam("r2"u8, out _) && first <= last && Parse(msg, elems[first], out var second)
            && second.Uri.IsSipOrSips && myself.IsMyself(second.Uri.Host, second.Uri.Port))
        {
            removed[first] = true;
            first++;
        }
        if (first > last)
        {
            Apply(ctx, elems, removed);
            // no Route left: the Request-URI is the next hop (set explicitly: our Route is still in the
            // received bytes, and the forwarders look at those)
            ctx.DestinationUri ??= ctx.NewRequestUri ?? Encoding.UTF8.GetString(msg.RequestUriText);
            return 1;
        }
        if (!Parse(msg, elems[first], out var next)) return -1;
        if (next.Uri.IsLooseRouter)
        {
            Apply(ctx, elems, removed);
            ctx.DestinationUri = next.UriString;
            return 1;
        }
        // §16.6 step 6: a strict next hop takes the Request-URI; the old one goes last into Route
        var oldRuri = ctx.NewRequestUri ?? Encoding.UTF8.GetString(msg.RequestUriText);
        ctx.NewRequestUri = next.UriString;
        ctx.DestinationUri = next.UriString; // the strict router itself, not the Route we append
        removed[first] = true;
        Apply(ctx, elems, removed);
        ctx.Editor.AppendHeaderLine(Encoding.UTF8.GetBytes("Route: <" + oldRuri + ">"));
        return 1;
    }

    /// <summary>is_direction("downstream"|"upstream"): downstream when the From tag is the ftag we put in
    /// our Record-Route (the request goes the way the dialog-creating request went).</summary>
    [Function("is_direction", RouteTypes.Request)]
    public int IsDirection(MessageContext ctx, string direction)
    {
        var st = t_state;
        if (st is null || st.Message != ctx.Message.Serial || st.RouteParams is null) return -1;
        if (!Sip.Uri.Params.TryGet(st.RouteParamBytes.Span, "ftag"u8, out var ftag)) return -1;
        bool downstream = ftag.SequenceEqual(ctx.Message.From.Tag);
        return direction switch
        {
            "downstream" => downstream ? 1 : -1,
            "upstream" => downstream ? -1 : 1,
            _ => -1,
        };
    }

    /// <summary>check_route_param(re): matches the parameters of our Route (after loose_route).</summary>
    [Function("check_route_param", RouteTypes.Request)]
    public int CheckRouteParam(MessageContext ctx, string pattern)
    {
        var st = t_state;
        if (st is null || st.Message != ctx.Message.Serial || st.RouteParams is null) return -1;
        var re = _patterns.GetOrAdd(pattern, static p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
        return re.IsMatch(st.RouteParams) ? 1 : -1;
    }

    /// <summary>$route_uri: the URI of the first Route header.</summary>
    [PseudoVar("route_uri")]
    public PvValue RouteUri(MessageContext ctx, string? inner)
    {
        var msg = ctx.Message;
        var elems = Elements(msg);
        return elems.Count > 0 && Parse(msg, elems[0], out var r) ? PvValue.FromString(r.UriString) : PvValue.Null;
    }

    // per thread, reused by every loose_route (they run to completion on the thread)
    [ThreadStatic] private static List<RouteElement>? t_elements;
    [ThreadStatic] private static bool[]? t_removed;

    private static List<RouteElement> Elements(SipMessage msg)
    {
        var list = t_elements ??= new List<RouteElement>(8);
        list.Clear();
        var s = msg.Span;
        for (int i = msg.IndexOf(HeaderId.Route); i >= 0; i = msg.NextIndexOf(HeaderId.Route, i))
        {
            foreach (var r in HeaderValues.Split(s, msg.Header(i).Value)) list.Add(new RouteElement(i, r));
        }
        return list;
    }

    private static bool[] Removed(int count)
    {
        var r = t_removed;
        if (r is null || r.Length < count) t_removed = r = new bool[Math.Max(count, 8)];
        else Array.Clear(r, 0, count);
        return r;
    }

    private static bool Parse(SipMessage msg, RouteElement e, out NameAddr na) => NameAddr.TryParse(msg.Buffer, e.Range, out na, out _);

    // Removes the marked Route elements: a header left empty goes, a header with survivors is rewritten.
    private static void Apply(MessageContext ctx, List<RouteElement> elems, bool[] removed)
    {
        var msg = ctx.Message;
        var s = msg.Span;
        int i = 0;
        while (i < elems.Count)
        {
            int header = elems[i].Header, j = i;
            bool any = false, all = true;
            for (; j < elems.Count && elems[j].Header == header; j++)
            {
                any |= removed[j];
                all &= removed[j];
            }
            if (all) ctx.Editor.RemoveHeader(header);
            else if (any)
            {
                var kept = new List<byte>();
                for (int k = i; k < j; k++)
                {
                    if (removed[k]) continue;
                    if (kept.Count > 0) kept.AddRange(", "u8);
                    kept.AddRange(elems[k].Range.Of(s));
                }
                ctx.Editor.ReplaceHeaderValue(header, kept.ToArray());
            }
            i = j;
        }
    }
}

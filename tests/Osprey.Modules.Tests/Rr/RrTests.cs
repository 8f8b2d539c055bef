using Osprey.Modules.Rr;
using Osprey.Modules.Tests.Tm;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Rr;

public class RrTests
{
    private static (TmHarness H, RrModule Rr) Setup()
    {
        var h = new TmHarness();
        var rr = new RrModule { Server = h.Server };
        return (h, rr);
    }

    private static string InDialog(string method, string ruri, string routes, string fromTag = "a1") =>
        $"{method} {ruri} SIP/2.0\r\n" +
        $"Via: SIP/2.0/UDP {Uac};branch=z9hG4bKdlg{method};rport\r\n" +
        "Max-Forwards: 70\r\n" +
        (routes.Length > 0 ? "Route: " + routes + "\r\n" : "") +
        $"From: <sip:alice@example.com>;tag={fromTag}\r\n" +
        "To: <sip:bob@example.com>;tag=b1\r\n" +
        "Call-ID: dlg-1\r\n" +
        $"CSeq: 2 {method}\r\n" +
        "Content-Length: 0\r\n\r\n";

    [Fact]
    public void Record_route_adds_our_socket_with_lr_and_ftag_and_params()
    {
        var (h, rr) = Setup();
        h.Router.Request = ctx =>
        {
            Assert.Equal(1, rr.AddRrParam(ctx, ";foo=bar"));
            Assert.Equal(1, rr.RecordRoute(ctx));
            Assert.Equal(-1, rr.AddRrParam(ctx, "late=1")); // after the header is written
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        var fwd = h.Net.To(Uas)[0];
        Assert.Equal("<sip:10.0.0.1:5060;lr;ftag=a1;foo=bar>", S(fwd.ValueOf(HeaderId.RecordRoute)));
        Assert.Equal(HeaderId.Via, fwd.Header(0).Id);
    }

    [Fact]
    public void Record_route_is_doubled_when_the_request_changes_transport()
    {
        var (h, rr) = Setup();
        rr.EnableFullLr = 1;
        h.Router.Request = ctx =>
        {
            ctx.DestinationUri = "sip:" + Uas + ";transport=tcp";
            rr.RecordRoute(ctx);
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        var fwd = h.Net.To(Uas)[0];
        var rrs = new Sip.Headers.NameAddr[4];
        Assert.Equal(2, fwd.ParseAddresses(HeaderId.RecordRoute, rrs, out _));
        Assert.Equal("sip:10.0.0.1:5060;transport=tcp;r2=on;lr=on;ftag=a1", rrs[0].UriString);
        Assert.Equal("sip:10.0.0.1:5060;r2=on;lr=on;ftag=a1", rrs[1].UriString);
    }

    [Fact]
    public void Record_route_preset_uses_the_given_address()
    {
        var (h, rr) = Setup();
        h.Router.Request = ctx =>
        {
            rr.RecordRoutePreset(ctx, "proxy.example.com:5070");
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        Assert.Equal("<sip:proxy.example.com:5070;lr;ftag=a1>", S(h.Net.To(Uas)[0].ValueOf(HeaderId.RecordRoute)));
    }

    [Fact]
    public void Loose_route_removes_our_route_and_goes_to_the_next_one()
    {
        var (h, rr) = Setup();
        int r = 0;
        string? du = null;
        int down = 0, param = 0;
        string? routeUri = null;
        h.Router.Request = ctx =>
        {
            routeUri = rr.RouteUri(ctx, null).Str;
            r = rr.LooseRoute(ctx);
            du = ctx.DestinationUri;
            down = rr.IsDirection(ctx, "downstream");
            param = rr.CheckRouteParam(ctx, "foo=bar");
            h.Tm.TRelay(ctx);
        };
        h.FromUac(InDialog("BYE", "sip:bob@" + Uas, "<sip:10.0.0.1:5060;lr;ftag=a1;foo=bar>, <sip:" + Uas2 + ";lr>"));
        Assert.Equal(1, r);
        Assert.Equal("sip:10.0.0.1:5060;lr;ftag=a1;foo=bar", routeUri);
        Assert.Equal("sip:" + Uas2 + ";lr", du);
        Assert.Equal(1, down);
        Assert.Equal(1, param);
        var fwd = Assert.Single(h.Net.To(Uas2));
        Assert.Equal("<sip:" + Uas2 + ";lr>", S(fwd.ValueOf(HeaderId.Route)));
        Assert.Equal("sip:bob@" + Uas, S(fwd.RequestUriText));
    }

    [Fact]
    public void Loose_route_upstream_and_last_route_then_request_uri()
    {
        var (h, rr) = Setup();
        int up = 0;
        h.Router.Request = ctx =>
        {
            Assert.Equal(1, rr.LooseRoute(ctx));
            up = rr.IsDirection(ctx, "upstream");
            h.Tm.TRelay(ctx);
        };
        h.FromUac(InDialog("BYE", "sip:bob@" + Uas, "<sip:10.0.0.1:5060;lr;ftag=b1>"));
        Assert.Equal(1, up); // From tag a1 is not the ftag: the callee is calling back
        var fwd = Assert.Single(h.Net.To(Uas));
        Assert.False(fwd.Has(HeaderId.Route));
    }

    [Fact]
    public void Loose_route_undoes_a_strict_router_before_us()
    {
        var (h, rr) = Setup();
        h.Router.Request = ctx =>
        {
            Assert.Equal(1, rr.LooseRoute(ctx));
            h.Tm.TRelay(ctx);
        };
        // RFC 3261 §16.4: a strict router put our Record-Route URI in the Request-URI and the target last in Route
        h.FromUac(InDialog("BYE", "sip:10.0.0.1:5060;lr", "<sip:bob@" + Uas + ">"));
        var fwd = Assert.Single(h.Net.To(Uas));
        Assert.Equal("sip:bob@" + Uas, S(fwd.RequestUriText));
        Assert.False(fwd.Has(HeaderId.Route));
    }

    [Fact]
    public void Loose_route_to_a_strict_next_hop_rewrites_the_request_uri()
    {
        var (h, rr) = Setup();
        h.Router.Request = ctx =>
        {
            Assert.Equal(1, rr.LooseRoute(ctx));
            h.Tm.TRelay(ctx);
        };
        h.FromUac(InDialog("BYE", "sip:bob@192.0.2.99", "<sip:10.0.0.1:5060;lr>, <sip:" + Uas + ">"));
        var fwd = Assert.Single(h.Net.To(Uas));
        Assert.Equal("sip:" + Uas, S(fwd.RequestUriText));
        Assert.Equal("<sip:bob@192.0.2.99>", S(fwd.ValueOf(HeaderId.Route)));
    }

    [Fact]
    public void Loose_route_without_route_is_false_and_foreign_route_is_left_alone()
    {
        var (h, rr) = Setup();
        var results = new List<int>();
        h.Router.Request = ctx => results.Add(rr.LooseRoute(ctx));
        h.FromUac(InDialog("BYE", "sip:bob@" + Uas, ""));
        h.FromUac(InDialog("INFO", "sip:bob@" + Uas, "<sip:" + Uas2 + ";lr>"));
        Assert.Equal([-1, 1], results);
    }
}

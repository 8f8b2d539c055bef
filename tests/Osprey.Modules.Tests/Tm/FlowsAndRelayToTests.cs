using System.Net;
using Osprey.Core.Dns;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;
using Osprey.Modules.Tm;
using Osprey.Sip.Message;
using Osprey.Transport;
using static Osprey.Modules.Tests.Tm.TmHarness;

namespace Osprey.Modules.Tests.Tm;

/// <summary>RFC 5626 flows with t_next_contacts/t_next_contact_flow and $T_reply_ruid, t_relay_to,
/// blst_methods_lookup, and the final reply of a local request (tm.t_uac_wait).</summary>
public class FlowsAndRelayToTests
{
    [Fact]
    public void One_flow_per_instance_is_tried_and_t_next_contact_flow_moves_to_the_next_when_it_fails()
    {
        var ruids = new List<string?>();
        int flowRelay = 0;
        var h = new TmHarness();
        h.Router.Request = ctx =>
        {
            // what registrar lookup leaves for a callee registered over two flows and from a second device
            ctx.NewRequestUri = "sip:bob@" + Uas;
            ctx.Ruid = "ruid-flow1";
            ctx.Instance = "<urn:uuid:phone>";
            ctx.Branches.Add(new Destination { Uri = "sip:bob@" + Uas2, Q = -1, Ruid = "ruid-flow2", Instance = "<urn:uuid:phone>" });
            ctx.Branches.Add(new Destination { Uri = "sip:bob@192.0.2.22:5080", Q = -1, Ruid = "ruid-desk", Instance = "<urn:uuid:desk>" });
            Assert.Equal(1, h.Tm.TLoadContacts(ctx));
            Assert.Equal(1, h.Tm.TNextContacts(ctx));
            h.Tm.TOnBranchFailure(ctx, "flows");
            h.Tm.TRelay(ctx);
        };
        h.Router.Routes[(RouteTypes.Event, "tm:branch-failure:flows")] = ctx =>
        {
            ruids.Add(h.Tm.TReplyRuid(ctx, null).Str);
            if (h.Tm.TCheckStatus(ctx, "430") < 0) return 1;
            if (h.Tm.TNextContactFlow(ctx) > 0)
            {
                h.Tm.TOnBranchFailure(ctx, "flows");
                flowRelay = h.Tm.TRelay(ctx);
            }
            return 1;
        };
        h.FromUac(Invite());
        // the phone's first flow and the desk phone ring; the phone's second flow waits
        var flow1 = Assert.Single(h.Net.To(Uas));
        Assert.Single(h.Net.To("192.0.2.22:5080"));
        Assert.Empty(h.Net.To(Uas2));
        // RFC 5626 §5.3: 430 Flow Failed → the next flow of the same instance
        h.FromUas(ReplyTo(flow1, 430, "Flow Failed", "f1"));
        Assert.Equal(1, flowRelay);
        var flow2 = Assert.Single(h.Net.To(Uas2));
        Assert.Equal("sip:bob@" + Uas2, S(flow2.RequestUriText));
        h.FromUas(ReplyTo(flow2, 200, "OK", "f2"), Uas2);
        Assert.Contains(h.Net.To(Uac), m => m.StatusCode == 200);
        Assert.Equal(["ruid-flow1"], ruids);
    }

    [Fact]
    public void Without_t_load_contacts_a_plain_relay_forks_to_one_flow_per_instance()
    {
        var h = new TmHarness();
        h.Router.Request = ctx =>
        {
            ctx.NewRequestUri = "sip:bob@" + Uas;
            ctx.Instance = "<urn:uuid:phone>";
            ctx.Branches.Add(new Destination { Uri = "sip:bob@" + Uas2, Q = -1, Instance = "<urn:uuid:phone>" });
            h.Tm.TRelay(ctx);
        };
        h.FromUac(Invite());
        Assert.Single(h.Net.To(Uas));
        Assert.Empty(h.Net.To(Uas2));
    }

    [Theory]
    [InlineData("tcp:192.0.2.30:5090", SipProtocol.Tcp, "192.0.2.30:5090")]
    [InlineData("udp:192.0.2.31", SipProtocol.Udp, "192.0.2.31:5060")]
    [InlineData("192.0.2.32:5070", SipProtocol.Udp, "192.0.2.32:5070")]
    public void T_relay_to_sends_to_the_proxy_given_as_proto_host_port(string proxy, SipProtocol protocol, string to)
    {
        var h = new TmHarness();
        h.Router.Request = ctx => Assert.Equal(1, h.Tm.TRelayTo(ctx, proxy));
        h.FromUac(Invite());
        var sent = Assert.Single(h.Net.Sent, s => s.To.ToString() == to);
        Assert.Equal(protocol, sent.Protocol);
    }

    [Fact]
    public void T_relay_to_flag_1_sends_no_100_trying()
    {
        var h = new TmHarness();
        h.Router.Request = ctx =>
        {
            ctx.DestinationUri = "sip:" + Uas;
            h.Tm.TRelayTo(ctx, "0x01");
        };
        h.FromUac(Invite());
        Assert.Single(h.Net.To(Uas));
        Assert.Empty(h.Net.To(Uac));
        Assert.Null(TmModule.ProxyTarget("udp:192.0.2.1:99999"));
        Assert.Equal("sip:[2001:db8::1]:5061;transport=tls", TmModule.ProxyTarget("tls:[2001:db8::1]:5061"));
    }

    [Fact]
    public void A_blocklisted_destination_is_not_tried_except_for_methods_outside_blst_methods_lookup()
    {
        var h = new TmHarness();
        h.Server.Dns.Options.UseDstBlocklist = true;
        var uas = IPEndPoint.Parse(Uas);
        h.Server.Dns.Blocklist.Add(SipProtocol.Udp, uas, BlocklistReason.Timeout);
        h.FromUac(Invite());
        Assert.Empty(h.Net.To(Uas));
        Assert.Equal(500, h.Net.To(Uac)[^1].StatusCode); // the harness answers a failed t_relay with 500
        // BYE is not in the default blst_methods_lookup (4294967287): Kamailio tries to deliver BYEs
        h.FromUac(Invite(branch: "z9hG4bKbye1", method: "BYE", toTag: "t1"));
        Assert.Equal(SipMethod.Bye, Assert.Single(h.Net.To(Uas)).Method);
        // blst_methods_lookup 0: nothing is looked up
        var all = new TmHarness(tm => tm.BlstMethodsLookup = 0);
        all.Server.Dns.Options.UseDstBlocklist = true;
        all.Server.Dns.Blocklist.Add(SipProtocol.Udp, uas, BlocklistReason.Timeout);
        all.FromUac(Invite());
        Assert.Single(all.Net.To(Uas));
    }

    [Fact]
    public void A_local_request_reports_its_final_reply_to_whoever_waits_for_it()
    {
        var h = new TmHarness();
        var final = new TaskCompletionSource<LocalRequestResult>();
        Assert.Null(h.Layer.StartLocalRequest(new LocalRequest("OPTIONS", "sip:bob@" + Uas, null, null,
            "From: <sip:osprey@example.com>\r\nTo: <sip:bob@example.com>", null), final, out _));
        var options = Assert.Single(h.Net.To(Uas));
        Assert.False(final.Task.IsCompleted);
        h.FromUas(ReplyTo(options, 200, "Fine", "b9", "X-Answer: 42\r\n"));
        var r = final.Task.Result;
        Assert.Equal(200, r.Status);
        Assert.Equal("Fine", r.Reason);
        Assert.Contains("X-Answer: 42", r.Headers);
        // nobody answers: the 408 of fr_timer
        var silent = new TaskCompletionSource<LocalRequestResult>();
        Assert.Null(h.Layer.StartLocalRequest(new LocalRequest("OPTIONS", "sip:nobody@" + Uas2, null, null,
            "From: <sip:osprey@example.com>\r\nTo: <sip:nobody@example.com>", null), silent, out _));
        h.Clock.Advance(40_000);
        Assert.Equal(408, silent.Task.Result.Status);
        Assert.Equal("", silent.Task.Result.Headers);
    }
}

using System.Diagnostics;
using System.Net;
using System.Text;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Transport;

namespace Osprey.Modules.Tests.Registrar;

/// <summary>Allocation budget of save() and lookup() on top of the pipeline (STYLE.md: hot paths carry a
/// stated budget): a re-registration and a lookup through the real pipeline with a null sender, measured
/// against an OPTIONS answered statelessly. Times are printed, not asserted (shared CI cores).</summary>
public class SaveAllocationBudgetTests
{
    private sealed class NullSender : ISipSender
    {
        public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false) => SendResult.Sent;
    }

    private sealed class Route(Func<MessageContext, int> f) : IMessageRouter
    {
        public void OnRequest(MessageContext ctx) => f(ctx);
        public bool OnReply(MessageContext ctx) => false;
    }

    [Fact]
    public void Save_and_lookup_stay_within_their_allocation_budget()
    {
        using var f = new RegistrarFixture();
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var udp = new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5060));
        server.AttachTransport(new NullSender(), [udp]);
        f.Reg.Server = server;
        // 1000 users, each refreshing with a new Call-ID every time (as SIPp and some UAs do)
        var msgs = new byte[2000][];
        for (int i = 0; i < msgs.Length; i++) msgs[i] = Encoding.UTF8.GetBytes(SipHarness.Register("u" + (i % 1000), ["<sip:u" + (i % 1000) + "@192.0.2.7:40000>;expires=3600"], callId: "c" + i + "@x"));
        var src = IPEndPoint.Parse("192.0.2.7:40000");
        var bytes = new Dictionary<string, long>();
        foreach (var mode in new[] { "options", "save", "lookup" })
        {
            server.SetRouter(new Route(mode switch
            {
                "options" => ctx => { ctx.Server.Replier.Reply(ctx, 200, "OK"u8); return 1; },
                "save" => ctx => f.Reg.Save(ctx, "location"),
                _ => ctx => f.Reg.Lookup(ctx, "location", "sip:u5@example.com"),
            }));
            for (int i = 0; i < 20000; i++) server.OnMessage(new InboundMessage(msgs[i % msgs.Length], src, udp, 0, InboundFlags.None));
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            const int n = 50000;
            for (int i = 0; i < n; i++) server.OnMessage(new InboundMessage(msgs[i % msgs.Length], src, udp, 0, InboundFlags.None));
            sw.Stop();
            long a1 = GC.GetAllocatedBytesForCurrentThread();
            bytes[mode] = (a1 - a0) / n;
            Console.WriteLine($"{mode}: {sw.Elapsed.TotalMicroseconds / n:F2} us/msg, {(a1 - a0) / n} B/msg");
        }
        // save of a known binding: nothing (the AOR key is the stored string, a new Call-ID is copied
        // into the binding's bytes); lookup: the URI parse
        Assert.True(bytes["save"] - bytes["options"] <= 8, $"save allocates {bytes["save"] - bytes["options"]} B over the pipeline");
        Assert.True(bytes["lookup"] <= bytes["options"] + 96, $"lookup allocates {bytes["lookup"]} B/msg");
    }
}

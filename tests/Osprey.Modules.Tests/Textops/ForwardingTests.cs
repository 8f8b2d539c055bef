using System.Text;
using Osprey.Sip.Message;
using static Osprey.Modules.Tests.ModuleHarness;

namespace Osprey.Modules.Tests.Textops;

/// <summary>Script edits reach the next hop through the core's stateless forwarding, together with the
/// core's own edits (Via, Max-Forwards, Request-URI).</summary>
public class ForwardingTests
{
    [Fact]
    public void EditsAndCoreChangesArriveTogetherAtTheNextHop()
    {
        var h = new ModuleHarness();
        var t = new Osprey.Modules.Textops.Textops();
        h.Run(Invite, c =>
        {
            t.AppendHf(c, "X-Hint: voicemail\r\n");
            t.RemoveHf(c, "User-Agent");
            t.ReplaceBody(c, "192\\.0\\.2\\.7", "203.0.113.200");
            Assert.Equal(1, t.SubstUri(c, "/^sip:bob@/sip:carol@/"));
            c.DestinationUri = "sip:198.51.100.9:5070";
            Assert.True(c.Server.Forwarder.ForwardRequest(c).Sent);
        });
        var sent = Assert.Single(h.Sent);
        Assert.Equal("198.51.100.9:5070", sent.To.ToString());
        var m = h.LastSent();
        Assert.Equal("sip:carol@example.com"u8.ToArray(), m.RequestUriText.ToArray());
        Assert.Equal(2, m.ViaCount);
        Assert.Equal(70, m.MaxForwards); // forward() leaves Max-Forwards to the maxfwd module, as Kamailio's
        Assert.Equal("voicemail", m.ValueString(m.IndexOf("X-Hint"u8)));
        Assert.False(m.Has(HeaderId.UserAgent));
        Assert.Equal("v=0\r\no=alice 1 1 IN IP4 203.0.113.200\r\n", Encoding.UTF8.GetString(m.Body));
        Assert.Equal(m.BodyLength, m.ContentLength);
    }
}

using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Stateless;
using Osprey.Modules.Registrar;
using Osprey.Modules.Usrloc;

namespace Osprey.Modules.Tests.Registrar;

public sealed class RegistrarStatisticsTests
{
    [Fact]
    public void The_parameters_statistics_have_the_names_Kamailio_5_6_lists_and_the_parameters_values()
    {
        using var server = new SipServer(new CoreSettings(), new DefaultRouter());
        using var ul = new UsrlocModule { TimerInterval = 3600 };
        var reg = new RegistrarModule { DefaultExpires = 1800, DefaultExpiresRange = 10, ExpiresRange = 20, MaxExpires = 7200, MaxContacts = 5 };
        LoadedModules.Start(server, ul, reg);
        Assert.Null(reg.BindTable("location"));

        Assert.Equal(1800, server.Stat("registrar:default_expire"));
        Assert.Equal(10, server.Stat("registrar:default_expires_range"));
        Assert.Equal(20, server.Stat("registrar:expires_range"));
        Assert.Equal(7200, server.Stat("registrar:max_expires"));
        Assert.Equal(5, server.Stat("registrar:max_contacts"));
        Assert.Equal(0, server.Stat("registrar:accepted_regs"));
        Assert.Equal(0, server.Stat("registrar:rejected_regs"));
        // Kamailio 5.6 registers no "default_expires" statistic (its manual names it so).
        Assert.False(server.Statistics.TryGet("registrar:default_expires", out _));
        // the table save() and lookup() name: usrloc's per-table statistics, with underscores
        Assert.Equal(0, server.Stat("usrloc:location_users"));
        Assert.Equal(0, server.Stat("usrloc:location_contacts"));
        Assert.Equal(0, server.Stat("usrloc:location_expires"));
    }

    [Fact]
    public void Save_replies_statelessly_and_sl_counts_the_reply_as_Kamailio_does()
    {
        using var f = new RegistrarFixture();
        var counts = f.Sip.Server.Replier.Counts;
        f.Save(SipHarness.Register("a", ["<sip:a@192.0.2.7:5070>"]));
        Assert.Equal(1, counts.Read(SlReplyBucket.Replies200));
        Assert.Equal(1, counts.Read(SlReplyBucket.Sent));
    }
}

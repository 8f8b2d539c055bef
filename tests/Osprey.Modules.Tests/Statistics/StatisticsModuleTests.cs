using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Modules.Statistics;

namespace Osprey.Modules.Tests.Statistics;

public sealed class StatisticsModuleTests
{
    [Fact]
    public void Declared_variables_are_registered_updated_and_reset()
    {
        var server = new SipServer(new CoreSettings(), new DefaultRouter());
        var m = new StatisticsModule { Server = server };
        m.Variable = "active_calls";
        m.Variable = "billing:minutes/no_reset";
        Assert.Null(m.Init());
        Assert.Equal(1, m.UpdateStat(null!, "active_calls", 3));
        Assert.Equal(1, m.UpdateStat(null!, "active_calls", -1));
        Assert.Equal(1, m.UpdateStat(null!, "billing:minutes", 5));
        Assert.True(server.Statistics.TryGet("script:active_calls", out var calls));
        Assert.Equal(2, calls.Read());
        Assert.Equal(-1, m.UpdateStat(null!, "nope", 1));
        Assert.Equal(1, m.ResetStat(null!, "active_calls"));
        Assert.Equal(1, m.ResetStat(null!, "billing:minutes"));
        Assert.Equal(0, calls.Read());
        Assert.True(server.Statistics.TryGet("billing:minutes", out var minutes));
        Assert.Equal(5, minutes.Read());
    }

    [Fact]
    public void A_bad_flag_is_an_error_a_user_can_act_on()
    {
        var m = new StatisticsModule { Server = new SipServer(new CoreSettings(), new DefaultRouter()) };
        m.Variable = "x/sometimes";
        Assert.Contains("no_reset", m.Init());
    }
}

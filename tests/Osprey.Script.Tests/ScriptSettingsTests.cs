using Osprey.Core;

namespace Osprey.Script.Tests;

public sealed class ScriptSettingsTests
{
    [Fact]
    public void Dns_core_parameters_of_the_config_reach_the_resolver_options()
    {
        using var files = new TestConfig();
        var path = files.Write("kamailio.cfg", """
            #!KAMAILIO
            dns_slow_query_ms=250
            use_dns_failover=on
            dns_try_ipv6=no
            dns_retr_time=2
            request_route { exit; }
            """);
        var result = ScriptLoader.Load(path, new Dictionary<string, string?>());
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var core = new CoreSettings();
        result.Script!.Settings.ApplyTo(core);
        Assert.NotNull(core.Dns);
        Assert.Equal(TimeSpan.FromMilliseconds(250), core.Dns.SlowQuery);
        Assert.True(core.Dns.UseDnsFailover);
        Assert.False(core.Dns.TryIpv6);
        Assert.Equal(TimeSpan.FromSeconds(2), core.Dns.QueryTimeout);
    }

    [Fact]
    public void Without_dns_parameters_the_resolver_keeps_its_defaults()
    {
        using var files = new TestConfig();
        var result = ScriptLoader.Load(files.Write("kamailio.cfg", "request_route { exit; }\n"), new Dictionary<string, string?>());
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var core = new CoreSettings();
        result.Script!.Settings.ApplyTo(core);
        Assert.Null(core.Dns);
    }
}

using Osprey.Script.Diagnostics;
using Xunit.Abstractions;

namespace Osprey.Script.Tests;

/// <summary>The Debian default config in check mode: only "not available in Osprey yet" errors.</summary>
public sealed class DefaultConfigTests(ITestOutputHelper output)
{
    [Fact]
    public void Default_config_check_mode_reports_only_missing_osprey_functions()
    {
        const string file = "/etc/kamailio/kamailio.cfg";
        Assert.True(File.Exists(file), file + " is missing: install the Debian kamailio package (./test.sh does)");
        using var o = new StringWriter();
        using var e = new StringWriter();
        var code = ConfigCheck.Run(o, e, file, new Dictionary<string, string?>(), print: false);
        var lines = e.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var l in lines.Take(5).Concat(lines.TakeLast(1))) output.WriteLine(l);
        Assert.Equal(ConfigCheck.NotSupported, code);
        var loaded = ConfigCheck.Load(file, new Dictionary<string, string?>(), new HashSet<string>());
        Assert.All(loaded.Diagnostics.Where(d => d.IsError), d => Assert.Equal(DiagnosticCode.NotAvailableInOsprey, d.Code));
        Assert.Contains(loaded.Config.Routes, r => r.Name == "RELAY");
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Osprey.Modules.Tests.Rpc;
using Osprey.Modules.XhttpProm;

namespace Osprey.Modules.Tests.XhttpProm;

public sealed partial class PrometheusScrapeTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*""(?:,[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\]|\\.)*"")*\})? (?<value>[-+]?(?:[0-9.eE+-]+|Inf|NaN))$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"^# (?:HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (?:counter|gauge|untyped|histogram|summary))$")]
    private static partial Regex Comment();

    /// <summary>Parses the text format strictly; returns samples by name-with-labels.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if (line.StartsWith('#'))
            {
                Assert.Matches(Comment(), line);
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                    Assert.True(typed.Add(line.Split(' ')[2]), "TYPE given twice: " + line);
                continue;
            }
            var m = Sample().Match(line);
            Assert.True(m.Success, "not a sample line: " + line);
            string key = m.Groups["name"].Value + m.Groups["labels"].Value;
            Assert.True(samples.TryAdd(key, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)), "sample given twice: " + key);
        }
        return samples;
    }

    private static async Task<Dictionary<string, double>> Scrape(ControlTestServer s)
    {
        using var resp = await Http.GetAsync(s.MetricsUri);
        resp.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", resp.Content.Headers.ContentType!.ToString());
        return Parse(await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Counters_move_as_SIP_traffic_flows()
    {
        await using var s = await ControlTestServer.StartAsync();
        var before = await Scrape(s);
        Assert.Equal(0, before["osprey_core_rcv_requests"]);
        Assert.Equal(0, before["osprey_core_rcv_requests_options"]);
        for (int i = 0; i < 5; i++)
            Assert.Contains("SIP/2.0 200", s.SendOptions(i));
        var after = await Scrape(s);
        Assert.Equal(5, after["osprey_core_rcv_requests"]);
        Assert.Equal(5, after["osprey_core_rcv_requests_options"]);
        Assert.True(after["osprey_transport_udp_datagrams_received_total"] >= 5);
        Assert.True(after["osprey_process_resident_memory_bytes"] > 0);
        Assert.True(after.ContainsKey("osprey_dotnet_gc_collections_total{generation=\"0\"}"));
        Assert.True(after.ContainsKey("osprey_transport_connections{proto=\"tcp\"}"));
        Assert.True(after["osprey_process_threads"] > 0);
    }

    [Fact]
    public async Task Script_defined_metrics_are_exported_with_labels()
    {
        await using var s = await ControlTestServer.StartAsync();
        s.Prom.Define("name=calls; label=method:code", MetricKind.Counter);
        s.Prom.Define("name=load", MetricKind.Gauge);
        Assert.Equal(1, s.Prom.CounterAdd("calls", "2", "INVITE", "200"));
        Assert.Equal(1, s.Prom.CounterAdd("calls", "1", "INVITE", "200"));
        Assert.Equal(1, s.Prom.CounterAdd("calls", "1", "BYE", "4\"04"));
        Assert.Equal(-1, s.Prom.CounterAdd("calls", "1", "only-one-label"));
        Assert.Equal(-1, s.Prom.CounterAdd("nope", "1"));
        Assert.Equal(1, s.Prom.SetGauge("load", "2.5"));
        var m = await Scrape(s);
        Assert.Equal(3, m["osprey_calls{method=\"INVITE\",code=\"200\"}"]);
        Assert.Equal(1, m["osprey_calls{method=\"BYE\",code=\"4\\\"04\"}"]);
        Assert.Equal(2.5, m["osprey_load"]);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Modules.XhttpProm;

/// <summary>
/// The <c>xhttp_prom</c> module: which statistics <c>/metrics</c> exports (<c>xhttp_prom_stats</c>), the
/// metric name prefix (<c>xhttp_prom_beginning</c>, <c>osprey_</c> here where Kamailio has <c>kamailio_</c>),
/// and metrics defined by the script: <c>modparam("xhttp_prom", "prom_counter", "name=c1; label=a:b")</c>,
/// <c>prom_counter_inc("c1", "1", "x", "y")</c>, <c>prom_gauge_set("g1", "2.5")</c>.
/// </summary>
[Module("xhttp_prom")]
public sealed class XhttpPromModule : ModuleBase
{
    private readonly ConcurrentDictionary<string, CustomMetric> _metrics = new(StringComparer.Ordinal);

    /// <summary>Statistics to export: <c>all</c>, or groups (<c>core:</c>) and names separated by ';' or spaces; empty exports none.</summary>
    [ModParam("xhttp_prom_stats")]
    public string Stats { get; set; } = "all";

    [ModParam("xhttp_prom_beginning")]
    public string Prefix { get; set; } = "osprey_";

    /// <summary>Defines a counter: <c>name=c1; label=l1:l2</c>.</summary>
    [ModParam("prom_counter")]
    public string CounterDefinition { get => ""; set => Define(value, MetricKind.Counter); }

    /// <summary>Defines a gauge: <c>name=g1; label=l1:l2</c>.</summary>
    [ModParam("prom_gauge")]
    public string GaugeDefinition { get => ""; set => Define(value, MetricKind.Gauge); }

    public IEnumerable<CustomMetric> Metrics => _metrics.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>Defines a metric from Kamailio's definition syntax; throws <see cref="ArgumentException"/> when malformed.</summary>
    public CustomMetric Define(string definition, MetricKind kind)
    {
        string? name = null;
        string[] labels = [];
        foreach (var part in definition.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new ArgumentException("xhttp_prom: bad metric definition '" + definition + "'");
            string key = part[..eq].Trim();
            string value = part[(eq + 1)..].Trim();
            if (key == "name") name = value;
            else if (key == "label") labels = value.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            else throw new ArgumentException("xhttp_prom: unknown key '" + key + "' in '" + definition + "'");
        }
        if (string.IsNullOrEmpty(name) || !PrometheusText.IsValidName(name))
            throw new ArgumentException("xhttp_prom: metric definition '" + definition + "' needs a valid name");
        if (labels.Length > 3 || labels.Any(l => !PrometheusText.IsValidName(l)))
            throw new ArgumentException("xhttp_prom: metric '" + name + "' may have up to 3 labels with valid names");
        var m = new CustomMetric(name, kind, labels);
        if (!_metrics.TryAdd(name, m))
            throw new ArgumentException("xhttp_prom: metric '" + name + "' is defined twice");
        return m;
    }

    /// <summary><c>prom_counter_inc(name, number[, l1[, l2[, l3]]])</c>: adds to a counter; -1 when unknown or bad.</summary>
    [Function("prom_counter_inc")]
    public int CounterInc(MessageContext ctx, string name, string number, string? l1 = null, string? l2 = null, string? l3 = null) =>
        CounterAdd(name, number, l1, l2, l3);

    /// <summary><c>prom_gauge_set(name, value[, l1[, l2[, l3]]])</c>: sets a gauge; -1 when unknown or bad.</summary>
    [Function("prom_gauge_set")]
    public int GaugeSet(MessageContext ctx, string name, string value, string? l1 = null, string? l2 = null, string? l3 = null) =>
        SetGauge(name, value, l1, l2, l3);

    /// <summary><c>prom_dispatch()</c> in <c>event_route[xhttp:request]</c>: answers with the metrics; -1 outside an HTTP request.</summary>
    [Function("prom_dispatch", RouteTypes.Event)]
    public int PromDispatch(MessageContext ctx)
    {
        var x = Osprey.Modules.Xhttp.XhttpExchange.Current;
        if (x is null)
            return -1;
        var w = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        PrometheusText.Write(w, x.Server, this);
        return x.Reply(200, "OK", PrometheusText.ContentType, System.Text.Encoding.UTF8.GetBytes(w.ToString())) ? 1 : -1;
    }

    public int CounterAdd(string name, string number, string? l1 = null, string? l2 = null, string? l3 = null)
    {
        if (!_metrics.TryGetValue(name, out var m) || m.Kind != MetricKind.Counter
            || !long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) || n < 0)
            return -1;
        var cell = m.Cell(l1, l2, l3);
        if (cell is null)
            return -1;
        lock (cell)
            cell.Value += n;
        return 1;
    }

    public int SetGauge(string name, string value, string? l1 = null, string? l2 = null, string? l3 = null)
    {
        if (!_metrics.TryGetValue(name, out var m) || m.Kind != MetricKind.Gauge
            || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            return -1;
        var cell = m.Cell(l1, l2, l3);
        if (cell is null)
            return -1;
        lock (cell)
            cell.Value = v;
        return 1;
    }
}

public enum MetricKind
{
    Counter,
    Gauge,
}

/// <summary>A script-defined metric with up to three labels; one value per label combination.</summary>
public sealed class CustomMetric(string name, MetricKind kind, string[] labels)
{
    private readonly ConcurrentDictionary<string, MetricCell> _cells = new(StringComparer.Ordinal);

    public string Name { get; } = name;
    public MetricKind Kind { get; } = kind;
    public IReadOnlyList<string> Labels { get; } = labels;

    /// <summary>The cell for these label values; null when their number does not match the definition.</summary>
    internal MetricCell? Cell(string? l1, string? l2, string? l3)
    {
        string?[] given = [l1, l2, l3];
        int count = given.Count(g => g is not null);
        if (count != Labels.Count)
            return null;
        var values = given.Take(count).Select(v => v!).ToArray();
        return _cells.GetOrAdd(string.Join('\u0001', values), static (_, v) => new MetricCell(v), values);
    }

    internal IEnumerable<MetricCell> Cells => _cells.Values;
}

internal sealed class MetricCell(string[] labelValues)
{
    public string[] LabelValues { get; } = labelValues;
    public double Value;
}

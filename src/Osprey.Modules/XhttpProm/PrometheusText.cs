using System.Diagnostics;
using System.Globalization;
using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Core.Rpc;
using Osprey.Core.Stats;

namespace Osprey.Modules.XhttpProm;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): every selected statistic as
/// <c>osprey_&lt;group&gt;_&lt;name&gt;</c> (counters as counters, the rest as gauges), the process (GC, heap,
/// threads, CPU), the transport (connections and datagrams), and the script's own metrics.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
            return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != ':')
                return false;
        }
        return true;
    }

    /// <summary>Replaces what Prometheus does not allow in a name with '_'.</summary>
    public static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (sb.Length == 0 || char.IsAsciiDigit(sb[0]))
            sb.Insert(0, '_');
        return sb.ToString();
    }

    public static void Write(TextWriter w, SipServer server, XhttpPromModule? module)
    {
        string prefix = module?.Prefix ?? "osprey_";
        WriteStatistics(w, server.Statistics, prefix, module?.Stats ?? "all", new HashSet<string>(StringComparer.Ordinal));
        WriteProcess(w, prefix);
        WriteTransport(w, server, prefix);
        if (module is not null)
            WriteCustom(w, module, prefix);
    }

    private static void WriteStatistics(TextWriter w, StatsRegistry registry, string prefix, string selection, HashSet<string> names)
    {
        var wanted = selection.Split([';', ' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0)
            return;
        var seen = new HashSet<Statistic>(ReferenceEqualityComparer.Instance);
        foreach (var want in wanted)
        {
            if (want == "all")
            {
                foreach (var s in registry.All)
                    Stat(w, s, prefix, seen, names);
            }
            else if (want.EndsWith(':'))
            {
                if (registry.TryGetGroup(want, out var g))
                {
                    foreach (var s in g.Statistics)
                        Stat(w, s, prefix, seen, names);
                }
            }
            else if (registry.TryGet(want, out var s))
            {
                Stat(w, s, prefix, seen, names);
            }
        }
    }

    private static void Stat(TextWriter w, Statistic s, string prefix, HashSet<Statistic> seen, HashSet<string> names)
    {
        if (!seen.Add(s))
            return;
        string name = prefix + Sanitize(s.Group) + "_" + Sanitize(s.Name);
        if (!names.Add(name))
            return; // two statistics whose names differ only in characters Prometheus does not allow: the first wins

        Metric(w, name, s.Kind == StatKind.Counter ? "counter" : "gauge", s.Group + ":" + s.Name, s.Read());
    }

    private static void Metric(TextWriter w, string name, string type, string help, double value)
    {
        w.Write("# HELP ");
        w.Write(name);
        w.Write(' ');
        w.Write(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
        w.Write("\n# TYPE ");
        w.Write(name);
        w.Write(' ');
        w.Write(type);
        w.Write('\n');
        w.Write(name);
        w.Write(' ');
        w.Write(Number(value));
        w.Write('\n');
    }

    private static string Number(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : v.ToString("R", CultureInfo.InvariantCulture);

    private static void WriteProcess(TextWriter w, string prefix)
    {
        using var p = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        Metric(w, prefix + "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", p.WorkingSet64);
        Metric(w, prefix + "process_cpu_seconds_total", "counter", "User and system CPU time in seconds.", p.TotalProcessorTime.TotalSeconds);
        Metric(w, prefix + "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.", new DateTimeOffset(ServerInfo.StartedAt).ToUnixTimeMilliseconds() / 1000.0);
        Metric(w, prefix + "process_threads", "gauge", "Threads of the process.", p.Threads.Count);
        Metric(w, prefix + "dotnet_gc_heap_bytes", "gauge", "Bytes allocated on the managed heap.", ServerInfo.ManagedHeapInUse());
        Metric(w, prefix + "dotnet_gc_heap_size_bytes", "gauge", "Managed heap size after the last collection.", gc.HeapSizeBytes);
        Metric(w, prefix + "dotnet_gc_fragmented_bytes", "gauge", "Fragmented bytes of the managed heap after the last collection.", gc.FragmentedBytes);
        Metric(w, prefix + "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated since the process started.", GC.GetTotalAllocatedBytes(false));
        Metric(w, prefix + "dotnet_gc_pause_ratio", "gauge", "Percentage of time paused in GC.", GC.GetTotalPauseDuration().TotalSeconds);
        string n = prefix + "dotnet_gc_collections_total";
        w.Write("# HELP " + n + " Garbage collections by generation.\n# TYPE " + n + " counter\n");
        for (int g = 0; g <= GC.MaxGeneration; g++)
            w.Write(n + "{generation=\"" + g.ToString(CultureInfo.InvariantCulture) + "\"} " + GC.CollectionCount(g).ToString(CultureInfo.InvariantCulture) + "\n");
        Metric(w, prefix + "dotnet_threadpool_threads", "gauge", "Thread pool threads.", ThreadPool.ThreadCount);
    }

    private static void WriteTransport(TextWriter w, SipServer server, string prefix)
    {
        var host = CoreRpcCommands.TransportOf(server);
        var c = host?.GetCounters() ?? default;
        string n = prefix + "transport_connections";
        w.Write("# HELP " + n + " Open connections by transport.\n# TYPE " + n + " gauge\n");
        w.Write(n + "{proto=\"tcp\"} " + c.TcpConnectionsOpen.ToString(CultureInfo.InvariantCulture) + "\n");
        w.Write(n + "{proto=\"tls\"} 0\n");
        w.Write(n + "{proto=\"ws\"} 0\n");
        Metric(w, prefix + "transport_listeners", "gauge", "Listening SIP sockets.", server.Listeners.Count);
        Metric(w, prefix + "transport_udp_datagrams_received_total", "counter", "UDP datagrams received.", c.UdpDatagramsReceived);
        Metric(w, prefix + "transport_udp_oversize_total", "counter", "UDP datagrams larger than the limit.", c.UdpOversize);
        Metric(w, prefix + "transport_udp_send_errors_total", "counter", "UDP send errors.", c.UdpSendErrors);
        Metric(w, prefix + "transport_tcp_connections_opened_total", "counter", "TCP connections opened.", c.TcpConnectionsOpened);
        Metric(w, prefix + "transport_tcp_connections_closed_total", "counter", "TCP connections closed.", c.TcpConnectionsClosed);
        Metric(w, prefix + "transport_tcp_connections_refused_total", "counter", "TCP connections refused at the limit.", c.TcpConnectionsRefused);
        Metric(w, prefix + "transport_tcp_messages_received_total", "counter", "SIP messages received over TCP.", c.TcpMessagesReceived);
    }

    private static void WriteCustom(TextWriter w, XhttpPromModule module, string prefix)
    {
        foreach (var m in module.Metrics)
        {
            string name = prefix + m.Name;
            w.Write("# TYPE " + name + (m.Kind == MetricKind.Counter ? " counter\n" : " gauge\n"));
            foreach (var cell in m.Cells)
            {
                w.Write(name);
                if (m.Labels.Count > 0)
                {
                    w.Write('{');
                    for (int i = 0; i < m.Labels.Count; i++)
                    {
                        if (i > 0) w.Write(',');
                        w.Write(m.Labels[i]);
                        w.Write("=\"");
                        w.Write(cell.LabelValues[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
                        w.Write('"');
                    }
                    w.Write('}');
                }
                double v;
                lock (cell)
                    v = cell.Value;
                w.Write(' ');
                w.Write(Number(v));
                w.Write('\n');
            }
        }
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using Osprey.Core.Pipeline;
using Osprey.Core.Stats;
using Osprey.Transport;

namespace Osprey.Core.Rpc;

/// <summary>
/// The core's RPC commands with Kamailio's names and result shapes: <c>core.*</c>, <c>system.*</c> and
/// <c>stats.*</c>. Memory figures come from the managed heap and the process's resident set, in the
/// shape of Kamailio's shared-memory report.
/// </summary>
public sealed class CoreRpcCommands
{
    private readonly SipServer _server;
    private readonly RpcRegistry _registry;
    private readonly List<string> _workers = [];
    private readonly Lock _gate = new();

    private CoreRpcCommands(SipServer server, RpcRegistry registry)
    {
        _server = server;
        _registry = registry;
    }

    /// <summary>Registers the core commands of <paramref name="server"/> in <paramref name="registry"/>.</summary>
    public static CoreRpcCommands Register(RpcRegistry registry, SipServer server)
    {
        var c = new CoreRpcCommands(server, registry);
        registry.Register("core.version", "Returns the version string of the server.", c.Version);
        registry.Register("core.uptime", "Returns uptime of the SIP server.", c.Uptime);
        registry.Register("core.info", "Verbose info, including version number, compile flags, compiler.", c.Info);
        registry.Register("core.ps", "Returns the description of running threads (pid and description pairs).", c.Ps);
        registry.Register("core.psx", "Returns the detailed description of running threads.", c.Psx);
        registry.Register("core.shmmem", "Returns managed heap and resident memory use (total, free, used, real_used, max_used, fragments).", c.ShmMem, "[b|k|m|g]");
        registry.Register("core.sockets_list", "Returns the list of listening sockets.", c.SocketsList);
        registry.Register("core.tcp_info", "Returns TCP related info.", c.TcpInfo);
        registry.Register("core.echo", "Returns back its parameters.", c.Echo, "[value]...");
        registry.Register("system.listMethods", "Lists all RPC methods supported by the server.", c.ListMethods);
        registry.Register("system.methodHelp", "Print the help string for given method.", c.MethodHelp, "method");
        registry.Register("system.methodSignature", "Returns the parameters of a method.", c.MethodSignature, "method");
        registry.Register("stats.get_statistics", "Returns the statistics: all, group: or name.", c.GetStatistics, "all | group: | name ...");
        registry.Register("stats.reset_statistics", "Resets the statistics: all, group: or name.", c.ResetStatistics, "all | group: | name ...");
        registry.Register("stats.clear_statistics", "Returns the statistics and resets them: all, group: or name.", c.ClearStatistics, "all | group: | name ...");
        registry.Register("stats.fetch", "Returns the statistics as a struct of strings keyed group.name.", rpc => c.Fetch(rpc, numbers: false), "all | group: | name ...");
        registry.Register("stats.fetchn", "Returns the statistics as a struct of numbers keyed group.name.", rpc => c.Fetch(rpc, numbers: true), "all | group: | name ...");
        registry.Register("cnt.grps_list", "Lists the counter groups.", c.GroupsList);
        registry.Register("cnt.var_list", "Lists the counters of a group.", c.VarList, "group");
        registry.Register("cnt.get", "Returns the value of a counter.", c.CounterGet, "group name");
        registry.Register("cnt.reset", "Resets a counter.", c.CounterReset, "group name");
        registry.Register("cnt.grp_get_all", "Returns all the counters of a group.", c.GroupGetAll, "group");
        registry.Register("dns.view", "Lists the DNS cache: name, type, status, seconds left, records.", c.DnsView);
        registry.Register("dns.delete_all", "Empties the DNS cache.", rpc => server.Dns.Cache.Flush());
        registry.Register("dst_blocklist.view", "Lists the blocklisted destinations.", c.BlocklistView);
        registry.Register("dst_blocklist.delete_all", "Empties the destination blocklist.", rpc => server.Dns.Blocklist.Flush());
        c.RegisterMemoryStatistics();
        return c;
    }

    /// <summary><c>tcp_max_connections</c> shown by <c>core.tcp_info</c> when no transport is attached (else the transport's).</summary>
    public int MaxTcpConnections { get; set; } = 2048;

    /// <summary>Adds a line to <c>core.ps</c>/<c>core.psx</c> (a control-plane listener, a timer thread...).</summary>
    public void AddWorker(string description)
    {
        lock (_gate)
            _workers.Add(description);
    }

    private void Version(IRpcContext rpc) => rpc.Add(ServerInfo.VersionLine);

    private void Uptime(IRpcContext rpc)
    {
        var now = DateTime.Now;
        using var s = rpc.Struct();
        s.Add("now", ServerInfo.CTime(now));
        s.Add("up_since", ServerInfo.CTime(ServerInfo.StartedAt));
        s.Add("uptime", (long)Math.Max(0, (now - ServerInfo.StartedAt).TotalSeconds));
    }

    private void Info(IRpcContext rpc)
    {
        using var s = rpc.Struct();
        s.Add("version", ServerInfo.Name + " " + ServerInfo.Version);
        s.Add("id", ThisAssembly());
        s.Add("compiler", ".NET " + Environment.Version);
        s.Add("compiled", "");
        s.Add("flags", "USE_TCP, MANAGED_HEAP" + (System.Runtime.GCSettings.IsServerGC ? ", SERVER_GC" : ""));
    }

    private static string ThisAssembly()
    {
        var v = typeof(ServerInfo).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false);
        return v.Length > 0 ? ((System.Reflection.AssemblyInformationalVersionAttribute)v[0]).InformationalVersion : "unknown";
    }

    private List<string> Processes()
    {
        var list = new List<string> { "main process - attendant" };
        foreach (var l in _server.Listeners)
            list.Add((l.Protocol == SipProtocol.Udp ? "udp receiver" : l.Protocol.Name() + " receiver") + " sock=" + l.Bind);
        lock (_gate)
            list.AddRange(_workers);
        return list;
    }

    private void Ps(IRpcContext rpc)
    {
        int pid = Environment.ProcessId;
        foreach (var d in Processes())
        {
            rpc.Add(pid);
            rpc.Add(d);
        }
    }

    private void Psx(IRpcContext rpc)
    {
        int pid = Environment.ProcessId;
        int i = 0;
        foreach (var d in Processes())
        {
            using var s = rpc.Struct();
            s.Add("IDX", i++);
            s.Add("PID", pid);
            s.Add("DSC", d);
        }
    }

    private void ShmMem(IRpcContext rpc)
    {
        string unit = rpc.OptString(0, "b")!;
        long div = unit.ToLowerInvariant() switch
        {
            "b" => 1,
            "k" or "kb" => 1024,
            "m" or "mb" => 1024 * 1024,
            "g" or "gb" => 1024L * 1024 * 1024,
            _ => throw new RpcFaultException(RpcErrorCodes.InvalidParams, "core.shmmem: unit must be b, k, m or g"),
        };
        var gc = GC.GetGCMemoryInfo();
        using var p = Process.GetCurrentProcess();
        long total = gc.TotalAvailableMemoryBytes;
        long rss = p.WorkingSet64;
        using var s = rpc.Struct();
        s.Add("total", total / div);
        s.Add("free", Math.Max(0, total - rss) / div);
        s.Add("used", ServerInfo.ManagedHeapInUse() / div);
        s.Add("real_used", rss / div);
        s.Add("max_used", p.PeakWorkingSet64 / div);
        s.Add("fragments", gc.FragmentedBytes / div);
    }

    private void SocketsList(IRpcContext rpc)
    {
        using var s = rpc.Struct();
        foreach (var l in _server.Listeners)
        {
            using var sock = s.Struct("socket");
            sock.Add("proto", l.Protocol.Name());
            sock.Add("address", l.Bind.Address.ToString());
            sock.Add("port", l.Bind.Port);
            sock.Add("mcast", "no");
            sock.Add("mhomed", "no");
            sock.Add("virtual", "no");
            if (l.AdvertisedHost is not null)
                sock.Add("advertise", l.Host + ":" + l.Port);
            if (l.Name is not null)
                sock.Add("name", l.Name);
        }
    }

    /// <summary>The transport host behind the server, when one is attached.</summary>
    public static TransportHost? TransportOf(SipServer server)
    {
        try
        {
            return server.Sender as TransportHost;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private void TcpInfo(IRpcContext rpc)
    {
        var host = TransportOf(_server);
        var counters = host?.GetCounters() ?? default;
        int readers = 0;
        foreach (var l in _server.Listeners)
            readers += l.Protocol == SipProtocol.Tcp ? 1 : 0;
        using var s = rpc.Struct();
        s.Add("readers", readers);
        s.Add("max_connections", host?.TcpMaxConnections ?? MaxTcpConnections);
        s.Add("max_tls_connections", 0);
        s.Add("opened_connections", counters.TcpConnectionsOpen);
        s.Add("opened_tls_connections", 0);
        s.Add("write_queued_bytes", 0);
    }

    private void Echo(IRpcContext rpc)
    {
        for (int i = 0; i < rpc.ParamCount; i++)
        {
            var p = rpc.Param(i);
            switch (p.Kind)
            {
                case RpcParamKind.Int: rpc.Add(p.Integer); break;
                case RpcParamKind.Double: rpc.Add(p.Real); break;
                case RpcParamKind.Bool: rpc.Add(p.Integer != 0); break;
                case RpcParamKind.Null: rpc.Add((string?)null); break;
                default: rpc.Add(p.Text); break;
            }
        }
    }

    private void ListMethods(IRpcContext rpc)
    {
        foreach (var c in _registry.Commands)
            rpc.Add(c.Name);
    }

    private RpcCommand Lookup(IRpcContext rpc)
    {
        string name = rpc.GetString(0);
        if (!_registry.TryGet(name, out var c))
            throw new RpcFaultException(RpcErrorCodes.InvalidParams, "command " + name + " not found");
        return c;
    }

    private void MethodHelp(IRpcContext rpc) => rpc.Add(Lookup(rpc).Help);

    private void MethodSignature(IRpcContext rpc) => rpc.Add(Lookup(rpc).Parameters);

    /// <summary>The statistics named by the parameters (all, group:, group:name, name), each once, in order.</summary>
    private List<Statistic> Select(IRpcContext rpc)
    {
        if (rpc.ParamCount == 0)
            throw new RpcFaultException(RpcErrorCodes.InvalidParams, rpc.Method + ": name the statistics: all, group: or name");
        var reg = _server.Statistics;
        var seen = new HashSet<Statistic>(ReferenceEqualityComparer.Instance);
        var list = new List<Statistic>();
        for (int i = 0; i < rpc.ParamCount; i++)
        {
            string name = rpc.GetString(i);
            if (name == "all")
            {
                foreach (var g in reg.Groups)
                    AddGroup(g, seen, list);
            }
            else if (name.EndsWith(':'))
            {
                if (reg.TryGetGroup(name, out var g))
                    AddGroup(g, seen, list);
            }
            else if (reg.TryGet(name, out var st) && seen.Add(st))
            {
                list.Add(st);
            }
        }
        return list;
    }

    private static void AddGroup(StatGroup g, HashSet<Statistic> seen, List<Statistic> list)
    {
        var sorted = g.Statistics.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var s in sorted)
        {
            if (seen.Add(s))
                list.Add(s);
        }
    }

    private void GetStatistics(IRpcContext rpc)
    {
        foreach (var s in Select(rpc))
            rpc.Add(s.FullName + " = " + s.Read().ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private void DnsView(IRpcContext rpc)
    {
        foreach (var e in _server.Dns.Cache.List())
        {
            using var s = rpc.Struct();
            s.Add("name", e.Name);
            s.Add("type", e.Type.ToString());
            s.Add("status", e.Status.ToString());
            s.Add("expires (s)", e.SecondsLeft);
            if (e.Error is not null)
                s.Add("error", e.Error);
            using var records = s.Array("records");
            foreach (var r in e.Records)
                records.Add(r);
        }
    }

    private void BlocklistView(IRpcContext rpc)
    {
        foreach (var e in _server.Dns.Blocklist.List())
        {
            using var s = rpc.Struct();
            s.Add("protocol", e.Protocol.Name());
            s.Add("ip", e.EndPoint.Address.ToString());
            s.Add("port", e.EndPoint.Port);
            s.Add("reason", e.Reason.ToString());
            s.Add("expires", e.SecondsLeft);
        }
    }

    private void Fetch(IRpcContext rpc, bool numbers)
    {
        var list = Select(rpc);
        using var s = rpc.Struct();
        foreach (var st in list)
        {
            string key = st.Group + "." + st.Name;
            if (numbers)
                s.Add(key, st.Read());
            else
                s.Add(key, st.Read().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private void GroupsList(IRpcContext rpc)
    {
        foreach (var g in _server.Statistics.Groups)
            rpc.Add(g.Name);
    }

    private StatGroup Group(IRpcContext rpc)
    {
        string name = rpc.GetString(0);
        if (!_server.Statistics.TryGetGroup(name, out var g))
            throw new RpcFaultException(RpcErrorCodes.BadRequest, "no such group: " + name);
        return g;
    }

    private void VarList(IRpcContext rpc)
    {
        foreach (var s in Group(rpc).Statistics.ToArray())
            rpc.Add(s.Name);
    }

    private Statistic Counter(IRpcContext rpc)
    {
        string name = rpc.GetString(0) + ":" + rpc.GetString(1);
        if (!_server.Statistics.TryGet(name, out var s))
            throw new RpcFaultException(RpcErrorCodes.BadRequest, "no such counter: " + name);
        return s;
    }

    private void CounterGet(IRpcContext rpc) => rpc.Add(Counter(rpc).Read());

    private void CounterReset(IRpcContext rpc) => Counter(rpc).Reset();

    private void GroupGetAll(IRpcContext rpc)
    {
        var g = Group(rpc);
        using var s = rpc.Struct();
        foreach (var st in g.Statistics.ToArray())
            s.Add(st.Name, st.Read());
    }

    /// <summary>
    /// Kamailio's <c>shmem</c> group (total_size, used_size, real_used_size, max_used_size, free_size,
    /// fragments), computed from the managed heap and the resident set, unless something registered it.
    /// </summary>
    private void RegisterMemoryStatistics()
    {
        var reg = _server.Statistics;
        if (reg.TryGetGroup("shmem", out _))
            return;
        reg.RegisterComputed("shmem", "fragments", static _ => GC.GetGCMemoryInfo().FragmentedBytes);
        reg.RegisterComputed("shmem", "free_size", static _ => Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - Environment.WorkingSet));
        reg.RegisterComputed("shmem", "max_used_size", static _ => PeakWorkingSet());
        reg.RegisterComputed("shmem", "real_used_size", static _ => Environment.WorkingSet);
        reg.RegisterComputed("shmem", "total_size", static _ => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        reg.RegisterComputed("shmem", "used_size", static _ => ServerInfo.ManagedHeapInUse());
    }

    private static long PeakWorkingSet()
    {
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64;
    }

    private void ResetStatistics(IRpcContext rpc)
    {
        foreach (var s in Select(rpc))
            s.Reset();
    }

    private void ClearStatistics(IRpcContext rpc)
    {
        foreach (var s in Select(rpc))
        {
            rpc.Add(s.FullName + " = " + s.Read().ToString(System.Globalization.CultureInfo.InvariantCulture));
            s.Reset();
        }
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Osprey.Core;
using Osprey.Core.Logging;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Rpc;
using Osprey.Modules;
using Osprey.Modules.Xhttp;
using Osprey.Script;
using Osprey.Transport;

namespace Osprey.Server;

internal static class Program
{
    private static int Main(string[] args)
    {
        var cl = CommandLine.Parse(args, out var error);
        if (cl is null)
        {
            Console.Error.WriteLine("osprey: " + error);
            return 2;
        }
        if (cl.ShowHelp)
        {
            Console.WriteLine(CommandLine.Help);
            return 0;
        }
        if (cl.ShowVersion)
        {
            Console.WriteLine("osprey " + Version);
            return 0;
        }
        if (cl.DumpRpcDocs || cl.DumpStatsDocs)
        {
            if (cl.DumpRpcDocs) Console.Out.Write(ReferenceDocs.RpcSection());
            if (cl.DumpStatsDocs) Console.Out.Write(ReferenceDocs.StatsSection());
            return 0;
        }
        if (cl.UpdateDocs is not null)
        {
            var why = ReferenceDocs.Update(cl.UpdateDocs);
            if (why is not null) Console.Error.WriteLine("osprey: " + why);
            return why is null ? 0 : 1;
        }
        if (cl.CheckOnly || cl.CfgPrint)
        {
            if (cl.ConfigFile is null)
            {
                Console.Error.WriteLine("osprey: -c and --cfg-print need -f FILE");
                return 2;
            }
            return Osprey.Script.ConfigCheck.Run(Console.Out, Console.Error, cl.ConfigFile, cl.Defines, cl.CfgPrint);
        }
        return Run(cl);
    }

    internal static string Version =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.1";

    private static int Run(CommandLine cl)
    {
        Privileges.Target? runAs = null;
        if (cl.User is not null || cl.Group is not null)
        {
            // Resolved before anything is opened, so a wrong name or a missing right fails fast.
            runAs = Privileges.Resolve(cl.User, cl.Group, out var why);
            if (runAs is null)
            {
                Console.Error.WriteLine("osprey: " + why);
                return 1;
            }
        }
        ScriptLoadResult? script = null;
        var configFile = cl.ConfigFile ?? (cl.Builtin ? null : ExtractDefaultConfig());
        if (cl.ConfigFile is null && configFile is not null && !PrepareDefaultDatabase(cl)) return 1;
        if (configFile is not null)
        {
            script = ScriptLoader.Load(configFile, cl.Defines, new ScriptLoadOptions { ModuleAssemblies = [BuiltinModules.Assembly] });
            foreach (var w in script.Warnings) Console.Error.WriteLine(w);
            if (!script.Success)
            {
                foreach (var e in script.Errors) Console.Error.WriteLine(e);
                Console.Error.WriteLine("osprey: " + configFile + ": " + script.Errors.Count + " error(s), not started");
                return 1;
            }
        }
        var cfg = script?.Script!.Settings;
        ConfigureLog(cl, cfg, script?.Script?.Log);
        if (cfg is { OpenFilesLimit: > 0 } && OpenFiles.Raise(cfg.OpenFilesLimit) is { } limitError)
        {
            // As Kamailio: a limit the configuration asks for and cannot have stops the start.
            Console.Error.WriteLine("osprey: " + limitError);
            return 1;
        }

        var options = new TransportOptions();
        if (!AddListeners(cl, cfg, options)) return 2;
        int loops = cl.Workers > 0 ? cl.Workers : cfg is not null ? Math.Min(cfg.Children, 4 * Environment.ProcessorCount) : 0;
        if (loops > 0) options.UdpReceiveLoops = loops;
        options.UdpReceiveBufferSize = cl.UdpReceiveBuffer;
        if (cl.UdpReceiveBatch > 0) options.UdpReceiveBatch = cl.UdpReceiveBatch;
        if (cfg is not null)
        {
            options.TcpConnectionLifetime = TimeSpan.FromSeconds(cfg.TcpConnectionLifetime);
            options.TcpMaxConnections = cfg.TcpMaxConnections;
            options.MaxUdpDatagramSize = Math.Max(options.MaxUdpDatagramSize, cfg.MaxMessageSize);
        }

        var settings = new CoreSettings();
        cfg?.ApplyTo(settings);
        settings.Aliases.AddRange(cl.Aliases);
        if (cl.MaxMessageSize > 0) settings.MaxMessageSize = cl.MaxMessageSize;
        if (cl.OversizeDrop) settings.OversizeAction = OversizeAction.Drop;

        IMessageRouter router = script?.Router is { } sr ? sr : new DefaultRouter { NextHop = cl.NextHop };
        using var server = new SipServer(settings, router);
        var transport = new TransportHost(options);
        server.AttachTransport(transport, transport.Listeners);
        if (script?.Router is { } scriptRouter)
        {
            // modules start before the first message can arrive
            var errors = scriptRouter.Start(server);
            foreach (var e in errors) Console.Error.WriteLine("osprey: " + e);
            if (errors.Count > 0) return 1;
        }
        // Signals are taken before the first message can be answered: a SIGHUP sent as soon as the
        // server answers must reload, not arrive before anyone listens for it.
        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
        {
            c.Cancel = true;
            if (script?.Router is not { } r) return;
            Logger.Process.Notice("core", "SIGHUP: reloading the configuration");
            var errs = Reload(r, cl);
            if (errs.Count == 0) Logger.Process.Notice("core", "configuration reloaded");
            else Logger.Process.Error("core", "reload failed, running routes kept:\n" + string.Join("\n", errs));
        });
        if (!transport.TryStart(server, out var err))
        {
            Console.Error.WriteLine("osprey: " + err);
            return 1;
        }
        server.AttachTransport(transport, transport.Listeners); // real ports, for "myself"
        if (options.Listen.Exists(l => l.Protocol == SipProtocol.Tcp) && OpenFiles.CheckTcp(options.TcpMaxConnections) is { } fdWarning)
            Console.Error.WriteLine("osprey: " + fdWarning);

        ControlPlane? control = null;
        if (script?.Router is { } withModules)
        {
            var modules = withModules.Script.Modules.Modules.Select(m => m.Instance).Distinct().ToList();
            var registry = new RpcRegistry();
            foreach (var m in modules) registry.RegisterModule(m);
            RegisterReload(registry, () => Reload(withModules, cl));
            try
            {
                var controlSettings = ControlSettings.FromModules(modules);
                controlSettings.XhttpRoute = XhttpScriptRoute.For(withModules, server);
                control = ControlPlane.StartAsync(server, controlSettings, registry).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine("osprey: " + ex.Message);
                transport.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
                return 1;
            }
        }
        if (cl.PidFile is not null) File.WriteAllText(cl.PidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        if (runAs is not null && Privileges.Drop(runAs) is { } dropError)
        {
            // Running on as root when asked not to would be worse than not running.
            Console.Error.WriteLine("osprey: " + dropError + "; not started");
            control?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            transport.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            if (cl.PidFile is not null) File.Delete(cl.PidFile);
            return 1;
        }
        foreach (var l in transport.Listeners) Console.Error.WriteLine("osprey: listening on " + l);
        Console.Error.WriteLine("osprey " + Version + " started (" + (configFile is null ? "built-in routing" + (cl.NextHop is null ? "" : ", next hop " + cl.NextHop)
            : cl.ConfigFile is null ? "embedded default configuration, " + configFile : configFile) + ")");

        stop.Wait();
        Logger.Process.Notice("core", "shutting down");
        transport.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        if (script?.Router is { } done)
        {
            foreach (var m in done.Script.Modules.Modules) m.Instance.Stop(); // flush write-back data, accounting
        }
        control?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        if (cl.PidFile is not null)
        {
            try
            {
                File.Delete(cl.PidFile);
            }
            catch (UnauthorizedAccessException)
            {
                // written as root before -u; the directory may not be ours any more
                Logger.Process.Warn("core", "cannot remove the PID file " + cl.PidFile + " after dropping privileges");
            }
        }
        Logger.Process.Sink.Dispose();
        return 0;
    }

    /// <summary>Recompiles the script; the new one's xlog level keeps the command line's -d raise.</summary>
    private static IReadOnlyList<string> Reload(ScriptRouter router, CommandLine cl)
    {
        var errs = router.Reload();
        if (errs.Count == 0) router.Script.Log.Level += cl.DebugRaise;
        return errs;
    }

    /// <summary>cfg.reload: the script recompiled and swapped in, as SIGHUP does.</summary>
    internal static void RegisterReload(RpcRegistry registry, Func<IReadOnlyList<string>> reload) =>
        registry.Register("cfg.reload", "Recompile the routing script and swap it in atomically; errors leave the running script untouched",
            rpc =>
            {
                var errs = reload();
                if (errs.Count > 0) rpc.Fault(500, string.Join("; ", errs));
                else rpc.Add("ok");
            });

    /// <summary>Points the process log (and the script's xlog) at stderr or syslog, text or JSON, from the
    /// core parameters and the command line (-E, -e, -d, --log-engine win over the script).</summary>
    private static void ConfigureLog(CommandLine cl, ScriptSettings? cfg, Osprey.Script.Runtime.ScriptLog? scriptLog)
    {
        var ls = new LogSettings
        {
            Level = (cfg?.Debug ?? LogLevels.Warn) + cl.DebugRaise,
            Stderr = cl.LogStderr || (cfg?.LogStderror ?? false),
            Colors = cl.LogColors || (cfg?.LogColor ?? false),
            Facility = cfg?.LogFacility ?? "LOG_DAEMON",
            // a prefix with pseudo-variables is formatted per message: script lines only (see ScriptLog)
            Prefix = cfg?.LogPrefix is { } lp && !lp.Contains('$', StringComparison.Ordinal) ? lp : "",
            Name = cfg?.LogName ?? "osprey",
            EngineType = cl.LogEngineType ?? cfg?.LogEngineType,
            EngineData = cl.LogEngineType is not null ? cl.LogEngineData : cfg?.LogEngineData,
        };
        if (cl.SyslogSocket is not null) ls.SyslogPath = cl.SyslogSocket;
        if (cl.SyslogFormat is { } f) ls.SyslogFormat = f;
        var sink = ls.CreateSink(Console.Error, out var warning);
        var old = Logger.Process.Sink;
        Logger.Process.Sink = sink;
        Logger.Process.Level = ls.Level;
        Logger.Process.Prefix = ls.Prefix;
        old.Dispose();
        if (scriptLog is not null) scriptLog.Level += cl.DebugRaise;
        if (warning is not null) Logger.Process.Warn("core", warning);
    }

    private static bool AddListeners(CommandLine cl, ScriptSettings? cfg, TransportOptions options)
    {
        List<string> specs;
        if (cl.Listen.Count > 0) specs = cl.Listen;
        else if (cfg is not null && cfg.Listen.Count > 0)
        {
            specs = [];
            foreach (var l in cfg.Listen)
            {
                var host = l.Host;
                var text = (l.Protocol is null ? "" : l.Protocol + ":") + host + ":" + (l.Port != 0 ? l.Port : cfg.Port);
                if (l.Advertise is not null) text += " advertise " + l.Advertise;
                specs.Add(text);
            }
        }
        else specs = DefaultListen(cfg?.Port ?? 5060);
        foreach (var spec in specs)
        {
            if (!Osprey.Transport.ListenSpec.TryParse(spec, out var endpoints, out var why))
            {
                Console.Error.WriteLine("osprey: listen " + spec + ": " + why);
                return false;
            }
            options.Listen.AddRange(endpoints);
        }
        return true;
    }

    /// <summary>
    /// The embedded default's database: DBURL is the one ospreyctl uses too (<see cref="Osprey.Data.DbUrl.DefaultUrl"/>)
    /// unless -A DBURL=... names another; a SQLite file gets its directory and schema on first start.
    /// </summary>
    private static bool PrepareDefaultDatabase(CommandLine cl)
    {
        if (!cl.Defines.TryGetValue("DBURL", out var given) || given is null) cl.Defines["DBURL"] = "\"" + Osprey.Data.DbUrl.DefaultUrl() + "\"";
        var text = cl.Defines["DBURL"]!.Trim().Trim('"');
        if (!Osprey.Data.DbUrl.TryParse(text, out var url, out var why))
        {
            Console.Error.WriteLine("osprey: DBURL " + text + ": " + why);
            return false;
        }
        try
        {
            var created = Osprey.Data.Schema.SchemaCreator.CreateIfNewSqlite(url);
            if (created.Count > 0) Console.Error.WriteLine("osprey: created the database " + url.Display + " (" + created.Count + " tables)");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("osprey: cannot create the database " + url.Display + ": " + ex.Message + " (set OSPREY_DB_URL or -A DBURL='\"sqlite:///a/writable/file.db\"')");
            return false;
        }
        Console.Error.WriteLine("osprey: database " + url.Display);
        return true;
    }

    /// <summary>Writes the embedded default configuration (examples/osprey.cfg) to a file the loader can
    /// read and name in messages; the file is rewritten at every start.</summary>
    private static string ExtractDefaultConfig()
    {
        var dir = Path.Combine(Path.GetTempPath(), "osprey-" + Environment.UserName);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "osprey-default.cfg");
        using var res = typeof(Program).Assembly.GetManifestResourceStream("osprey.cfg")
            ?? throw new InvalidOperationException("the default configuration is not embedded");
        using (var f = File.Create(path)) res.CopyTo(f);
        return path;
    }

    /// <summary>Like Kamailio without listen=: every IPv4 address of the machine, UDP and TCP, port 5060.</summary>
    private static List<string> DefaultListen(int port)
    {
        var list = new List<string>();
        foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.OperationalStatus != OperationalStatus.Up && ni.NetworkInterfaceType != NetworkInterfaceType.Loopback) continue;
            foreach (var ua in ni.GetIPProperties().UnicastAddresses)
            {
                if (ua.Address.AddressFamily != AddressFamily.InterNetwork) continue;
                list.Add("udp:" + ua.Address + ":" + port);
                list.Add("tcp:" + ua.Address + ":" + port);
            }
        }
        if (list.Count == 0) list.Add("udp:" + IPAddress.Loopback + ":" + port);
        return list;
    }
}

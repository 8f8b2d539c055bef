using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
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
        if (cl.CheckOnly || cl.CfgPrint)
        {
            if (cl.ConfigFile is null)
            {
                Console.Error.WriteLine("osprey: -c and --cfg-print need -f FILE");
                return 2;
            }
            return Osprey.Script.ConfigCheck.Run(Console.Out, Console.Error, cl.ConfigFile, cl.Defines, cl.CfgPrint);
        }
        if (cl.ConfigFile is not null)
        {
            // The compiler that runs kamailio.cfg routes is the next piece of work; say so rather than
            // silently ignoring the script.
            int rc = Osprey.Script.ConfigCheck.Run(TextWriter.Null, Console.Error, cl.ConfigFile, cl.Defines, false);
            Console.Error.WriteLine("osprey: " + cl.ConfigFile + ": running kamailio.cfg routes is not available yet; "
                + "run without -f for the built-in routing" + (rc == 0 ? "" : " (and see the errors above)"));
            return 1;
        }
        return Run(cl);
    }

    internal static string Version =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.1";

    private static int Run(CommandLine cl)
    {
        var options = new TransportOptions();
        var specs = cl.Listen.Count > 0 ? cl.Listen : DefaultListen();
        foreach (var spec in specs)
        {
            if (!ListenSpec.TryParse(spec, out var endpoints, out var why))
            {
                Console.Error.WriteLine("osprey: -l " + spec + ": " + why);
                return 2;
            }
            options.Listen.AddRange(endpoints);
        }
        if (cl.Workers > 0) options.UdpReceiveLoops = cl.Workers;
        options.UdpReceiveBufferSize = cl.UdpReceiveBuffer;
        var settings = new CoreSettings();
        settings.Aliases.AddRange(cl.Aliases);
        if (cl.MaxMessageSize > 0) settings.MaxMessageSize = cl.MaxMessageSize;
        if (cl.OversizeDrop) settings.OversizeAction = OversizeAction.Drop;
        var server = new SipServer(settings, new DefaultRouter { NextHop = cl.NextHop });
        var transport = new TransportHost(options);
        if (!transport.TryStart(server, out var err))
        {
            Console.Error.WriteLine("osprey: " + err);
            return 1;
        }
        server.AttachTransport(transport, transport.Listeners);
        if (cl.PidFile is not null) File.WriteAllText(cl.PidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        foreach (var l in transport.Listeners) Console.Error.WriteLine("osprey: listening on " + l);
        Console.Error.WriteLine("osprey " + Version + " started (built-in routing" + (cl.NextHop is null ? "" : ", next hop " + cl.NextHop) + ")");

        using var stop = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
        stop.Wait();
        Console.Error.WriteLine("osprey: shutting down");
        transport.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        if (cl.PidFile is not null) File.Delete(cl.PidFile);
        return 0;
    }

    /// <summary>Like Kamailio without listen=: every IPv4 address of the machine, UDP and TCP, port 5060.</summary>
    private static List<string> DefaultListen()
    {
        var list = new List<string>();
        foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.OperationalStatus != OperationalStatus.Up && ni.NetworkInterfaceType != NetworkInterfaceType.Loopback) continue;
            foreach (var ua in ni.GetIPProperties().UnicastAddresses)
            {
                if (ua.Address.AddressFamily != AddressFamily.InterNetwork) continue;
                list.Add("udp:" + ua.Address + ":5060");
                list.Add("tcp:" + ua.Address + ":5060");
            }
        }
        if (list.Count == 0) list.Add("udp:" + IPAddress.Loopback + ":5060");
        return list;
    }
}

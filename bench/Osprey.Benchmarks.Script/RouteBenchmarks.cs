using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Script;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Benchmarks.Script;

/// <summary>
/// One execution of a compiled 40-statement request_route (ifs on method and headers, PV reads and writes,
/// string concatenation, flag operations, a nested route call), including resetting the per-message
/// context. Budget: at least 2,000,000 executions per second on one core (≤ 500 ns) and at most
/// <see cref="AllocationBudgetBytes"/> allocated per execution — the three strings the script itself
/// produces ($var(user) = $rU, $var(from) = $fU, "sip:" + $rU + "@" + $rd).
/// </summary>
[MemoryDiagnoser]
public class RouteBenchmarks
{
    public const int AllocationBudgetBytes = 200;

    public const string FortyStatements = """
#!KAMAILIO
loadmodule "pv"
loadmodule "xlog"
route[CHECK] {
  if ($hdr(X-Tenant) == "acme") { setflag(2); return 1; }
  return -1;
}
request_route {
  if (method == "INVITE") { setflag(1); }
  if (method == "OPTIONS" && uri == myself) { $var(opt) = 1; }
  if ($hdr(X-Tenant) == "acme") { $var(tenant) = 1; } else { $var(tenant) = 0; }
  if ($ua =~ "^friendly") { setflag(3); }
  $var(count) = $var(count) + 1;
  $var(user) = $rU;
  $var(from) = $fU;
  if ($var(user) == "bob") { $var(target) = 1; }
  if (isflagset(1)) { resetflag(1); }
  route(CHECK);
  if ($rc == 1) { $var(checked) = 1; }
  $var(uri) = "sip:" + $rU + "@" + $rd;
  if ($si == "127.0.0.1") { $var(local) = 1; }
  if ($sp > 1024) { $var(high) = 1; }
  $var(len) = $ml;
  if ($ci != $null) { $var(has_ci) = 1; }
  if ($tU == $rU) { $var(same) = 1; }
  setflag(5);
  if (isflagset(5) && !isflagset(6)) { $var(f) = 1; }
  $du = "sip:10.0.0.1:5060";
  if ($du != $null) { $var(d) = 1; }
  $var(n) = ($var(n) + 3) * 2 mod 1000;
  if (!($var(n) > 5000)) { $var(ok) = 1; }
  xdbg("not printed at debug=2: $ru\n");
  $var(last) = $var(count);
  exit;
}
""";

    private MessageContext _ctx = null!;
    private SipMessage _msg = null!;
    private InboundMessage _inbound;
    private ScriptRouter _router = null!;
    private string _dir = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("osprey-bench-").FullName;
        var path = Path.Combine(_dir, "kamailio.cfg");
        File.WriteAllText(path, Environment.GetEnvironmentVariable("OSPREY_BENCH_CFG") is { } alt ? File.ReadAllText(alt) : FortyStatements);
        var result = ScriptLoader.Load(path, new Dictionary<string, string?>(), new ScriptLoadOptions { LogWriter = TextWriter.Null });
        if (!result.Success) throw new InvalidOperationException(string.Join("\n", result.Errors));
        _router = result.Router!;
        var server = new SipServer(new CoreSettings(), _router);
        var udp = new ListenEndpoint(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
        server.AttachTransport(new NullSender(), [udp]);
        _router.Start(server);
        var text = "INVITE sip:bob@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:27462;branch=z9hG4bK-1;rport\r\nMax-Forwards: 70\r\n" +
                   "From: <sip:alice@example.com>;tag=ftag1\r\nTo: <sip:bob@example.com>\r\nCall-ID: abcdef@h\r\nCSeq: 1 INVITE\r\n" +
                   "User-Agent: friendly/1.0\r\nX-Tenant: acme\r\nContent-Length: 0\r\n\r\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        _msg = SipMessage.ParseAndValidate(bytes, Framing.Datagram, out _)!;
        _inbound = new InboundMessage(bytes, IPEndPoint.Parse("127.0.0.1:27462"), udp, 0);
        _ctx = MessageContext.Create(server, _msg, _inbound);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Description = "40-statement request_route")]
    public ulong FortyStatementRoute()
    {
        _ctx.Load(_msg, _inbound);
        _router.OnRequest(_ctx);
        return _ctx.Flags;
    }

    private sealed class NullSender : ISipSender
    {
        public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false) => SendResult.Sent;
    }
}

public static class Program
{
    /// <summary>
    /// <c>--cpu-time</c>: runs the route in a loop and divides the thread's CPU time (CLOCK_THREAD_CPUTIME_ID)
    /// by the count. On a machine shared with other builds, wall-clock figures include time the thread
    /// was not running; CPU time is what one core spends per execution.
    /// </summary>
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--cpu-time")
        {
            var b = new RouteBenchmarks();
            b.Setup();
            for (int i = 0; i < 200_000; i++) b.FortyStatementRoute();
            const int n = 2_000_000;
            long alloc0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = ThreadCpuNanoseconds();
            var wall = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < n; i++) b.FortyStatementRoute();
            long t1 = ThreadCpuNanoseconds();
            wall.Stop();
            long alloc = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / n;
            double ns = (t1 - t0) / (double)n;
            Console.WriteLine($"40-statement route: {ns:F0} ns CPU per execution = {1e9 / ns:N0} executions/s on one core " +
                              $"(wall clock {wall.Elapsed.TotalMilliseconds * 1e6 / n:F0} ns), {alloc} bytes allocated per execution");
            b.Cleanup();
            return;
        }

        static long ThreadCpuNanoseconds()
        {
            const int ClockThreadCpuTime = 3;
            Native.ClockGetTime(ClockThreadCpuTime, out var ts);
            return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
        }
        var config = DefaultConfig.Instance.AddJob(Job.ShortRun).AddDiagnoser(MemoryDiagnoser.Default);
        BenchmarkSwitcher.FromAssembly(typeof(RouteBenchmarks).Assembly).Run(args, config);
    }
}

internal static partial class Native
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    internal static partial int ClockGetTime(int clock, out TimeSpec ts);

    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

using System.Diagnostics;
using System.Text;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Xunit.Abstractions;

namespace Osprey.Script.Tests.Runtime;

/// <summary>
/// The 40-statement route of the benchmark (bench/Osprey.Benchmarks.Script) allocates only the strings the
/// script itself produces ($var(user) = $rU, $var(from) = $fU, one concatenation): a budget per run.
/// </summary>
public sealed class RouteCostTests(ITestOutputHelper output)
{
    internal const string FortyStatements = """
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

    public const int AllocationBudgetBytes = 200;

    [Fact]
    public void Forty_statement_route_allocates_only_its_own_strings()
    {
        using var h = ScriptHarness.Ok(FortyStatements);
        var bytes = Encoding.UTF8.GetBytes(ScriptHarness.Request(method: "INVITE", extra: "User-Agent: friendly/1.0\r\nX-Tenant: acme\r\n"));
        var msg = SipMessage.ParseAndValidate(bytes, Framing.Datagram, out _)!;
        var inbound = new Osprey.Transport.InboundMessage(bytes, System.Net.IPEndPoint.Parse("127.0.0.1:27462"), h.Udp, 0);
        var ctx = MessageContext.Create(h.Server, msg, inbound);
        var router = h.Result.Router!;
        for (int i = 0; i < 2000; i++) { ctx.Load(msg, inbound); router.OnRequest(ctx); }
        Assert.Equal("sip:10.0.0.1:5060", ctx.DestinationUri);
        Assert.Equal((1UL << 2) | (1UL << 3) | (1UL << 5), ctx.Flags);

        const int n = 20000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < n; i++) { ctx.Load(msg, inbound); router.OnRequest(ctx); }
        sw.Stop();
        long perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / n;
        output.WriteLine($"{perRun} bytes/run, {n / sw.Elapsed.TotalSeconds:N0} runs/s (Debug build, test host)");
        Assert.True(perRun <= AllocationBudgetBytes, $"{perRun} bytes allocated per run (budget {AllocationBudgetBytes})");
    }
}

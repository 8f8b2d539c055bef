using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Osprey.Sip.Message;

namespace Osprey.Benchmarks;

/// <summary>
/// Runs the benchmarks, then holds each result to the budget its method declares
/// (<see cref="AllocationBudgetAttribute"/>, <see cref="ThroughputFloorAttribute"/>) and exits 1 on any
/// breach, so CI fails when a hot path starts allocating or slows down.
///   --quick   short in-process job (about a minute): allocation budgets enforced, throughput only reported
///   anything else is passed to BenchmarkDotNet (e.g. --filter *Uri*); default filter: all
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["--loop", var seconds, ..]) return Loop(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture), args.Length > 2 ? args[2] : "parse");
        bool quick = args.Contains("--quick");
        var rest = args.Where(a => a != "--quick").ToList();
        if (!rest.Contains("--filter")) rest.AddRange(["--filter", "*"]);

        var config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
        config = quick
            ? config.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("quick"))
            : config.AddJob(Job.Default.WithId("full"));

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest], config).ToList();
        return Check(summaries, enforceThroughput: !quick);
    }

    /// <summary>
    /// A plain Stopwatch loop over one benchmark for a while (for `perf record` or a quick figure on a
    /// noisy machine): prints the best ns/op over one-second rounds.
    /// </summary>
    private static int Loop(double seconds, string which)
    {
        var p = new ParseBenchmarks();
        var u = new UriBenchmarks();
        u.Setup();
        Func<int> op = which switch
        {
            "parse" => p.ParseInvite,
            "validate" => p.ParseAndValidateInvite,
            "uri" => u.ParseFourUris,
            _ => throw new ArgumentException("--loop SECONDS [parse|validate|uri]"),
        };
        double best = double.MaxValue;
        long sink = 0;
        var end = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < end)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            int n = 0;
            while (System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds < 1)
            {
                for (int i = 0; i < 1000; i++) sink += op();
                n += 1000;
            }
            double ns = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n;
            best = Math.Min(best, ns);
            Console.WriteLine($"{which}: {ns:F1} ns/op ({1e9 / ns:N0} ops/s)");
        }
        Console.WriteLine($"{which}: best {best:F1} ns/op ({1e9 / best:N0} ops/s) [{sink}]");
        return 0;
    }

    /// <summary>Bytes one <c>new SipMessage()</c> allocates: the unit of <see cref="AllocationBudgetAttribute.Messages"/>.</summary>
    public static long MessageSize()
    {
        GC.KeepAlive(new SipMessage()); // JIT and type loading out of the way
        long before = GC.GetAllocatedBytesForCurrentThread();
        var m = new SipMessage();
        long size = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(m);
        return size;
    }

    private static int Check(List<Summary> summaries, bool enforceThroughput)
    {
        long messageSize = MessageSize();
        var reports = summaries.SelectMany(s => s.Reports).ToList();
        if (reports.Count == 0)
        {
            Console.Error.WriteLine("budget check: no benchmark ran");
            return 1;
        }
        int breaches = 0;
        Console.WriteLine();
        Console.WriteLine($"Budgets (one SipMessage = {messageSize} B)");
        Console.WriteLine($"| {"benchmark",-40} | {"mean ns",10} | {"ops/s",12} | {"floor ops/s",12} | {"alloc B/op",10} | {"budget B/op",11} | verdict |");
        Console.WriteLine($"|{new string('-', 42)}|{new string('-', 12)}|{new string('-', 14)}|{new string('-', 14)}|{new string('-', 12)}|{new string('-', 13)}|---------|");
        foreach (var report in reports)
        {
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod;
            string name = $"{method.DeclaringType!.Name}.{method.Name}";
            var budget = method.GetCustomAttribute<AllocationBudgetAttribute>();
            var floor = method.GetCustomAttribute<ThroughputFloorAttribute>();
            var verdicts = new List<string>();

            double? mean = report.ResultStatistics?.Mean;
            long? allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            long? limit = budget is null ? null : budget.Bytes + budget.Messages * messageSize;

            if (mean is null || allocated is null) verdicts.Add("NO RESULT");
            if (budget is null) verdicts.Add("NO BUDGET");
            if (allocated > limit) verdicts.Add("ALLOC");
            double? opsPerSecond = mean is > 0 ? 1e9 / mean : null;
            if (floor is not null && opsPerSecond < floor.OperationsPerSecond)
            {
                verdicts.Add(enforceThroughput ? "SLOW" : "slow(not enforced)");
            }
            bool failed = verdicts.Any(v => v is "NO RESULT" or "NO BUDGET" or "ALLOC" or "SLOW");
            if (failed) breaches++;
            string verdict = verdicts.Count == 0 ? "ok" : string.Join(",", verdicts);
            Console.WriteLine($"| {name,-40} | {mean,10:F1} | {opsPerSecond,12:N0} | {floor?.OperationsPerSecond,12:N0} | {allocated,10} | {limit,11} | {verdict} |");
        }
        Console.WriteLine(breaches == 0 ? "budget check: all within budget" : $"budget check: {breaches} benchmark(s) over budget");
        return breaches == 0 ? 0 : 1;
    }
}

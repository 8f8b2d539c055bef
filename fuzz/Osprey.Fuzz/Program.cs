using SharpFuzz;

namespace Osprey.Fuzz;

/// <summary>
/// Fuzzing harness for Osprey.Sip's parsers.
///   afl TARGET                    run under afl-fuzz (persistent mode; see fuzz/run-fuzz.sh)
///   plain [--corpus DIR] [--mutations N] [--seed N] [--targets a,b] [--failures DIR]
///                                 in-process: corpus, random mutations, superlinear-time checks
///   run TARGET FILE...            replay inputs (e.g. AFL crashes) and print what they do
/// Targets: message, uri (and digest once Osprey.Sip has a digest parser).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0) return Usage();
        switch (args[0])
        {
            case "afl" when args.Length == 2 && FuzzTargets.All.TryGetValue(args[1], out var target):
                Fuzzer.Run(stream =>
                {
                    using var ms = new MemoryStream();
                    stream.CopyTo(ms);
                    target(ms.ToArray());
                });
                return 0;
            case "run" when args.Length >= 3 && FuzzTargets.All.TryGetValue(args[1], out var replay):
                return Replay(args[1], replay, args[2..]);
            case "plain":
                return Plain(args[1..]);
            default:
                return Usage();
        }
    }

    private static int Plain(string[] args)
    {
        string? corpus = null, failures = null;
        int mutations = 20_000, seed = 4475;
        IReadOnlyList<string> targets = [.. FuzzTargets.All.Keys];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + args[i]);
            switch (args[i])
            {
                case "--corpus": corpus = Next(); break;
                case "--mutations": mutations = int.Parse(Next()); break;
                case "--seed": seed = int.Parse(Next()); break;
                case "--targets": targets = Next().Split(','); break;
                case "--failures": failures = Next(); break;
                default: return Usage();
            }
        }
        corpus ??= FindCorpus();
        if (corpus is null || targets.Any(t => !FuzzTargets.All.ContainsKey(t))) return Usage();
        var fuzzer = new PlainFuzzer(new PlainOptions
        {
            CorpusRoot = corpus,
            Targets = targets,
            Mutations = mutations,
            Seed = seed,
            FailureDir = failures,
            Log = Console.Out,
        });
        var found = fuzzer.Run();
        Console.WriteLine($"{fuzzer.Executions} executions, {found.Count} failures");
        return found.Count == 0 ? 0 : 1;
    }

    private static int Replay(string name, Action<ReadOnlyMemory<byte>> target, string[] files)
    {
        int bad = 0;
        foreach (var f in files)
        {
            var input = File.ReadAllBytes(f);
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                target(input);
                Console.WriteLine($"{f}: ok, {System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds:F2} ms ({input.Length} bytes)");
            }
            catch (Exception e)
            {
                bad++;
                Console.WriteLine($"{f}: {name} threw {e}");
            }
        }
        return bad == 0 ? 0 : 1;
    }

    /// <summary>fuzz/corpus, looked for upwards from the working directory and from the binary.</summary>
    private static string? FindCorpus()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var c = Path.Combine(d.FullName, "fuzz", "corpus");
                if (Directory.Exists(c)) return c;
            }
        }
        return null;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Osprey.Fuzz afl TARGET | plain [--corpus DIR] [--mutations N] [--seed N] [--targets a,b] [--failures DIR] | run TARGET FILE...");
        Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Keys));
        return 2;
    }
}

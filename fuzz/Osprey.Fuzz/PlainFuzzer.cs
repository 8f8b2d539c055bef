using System.Diagnostics;
using System.Text;

namespace Osprey.Fuzz;

/// <summary>Settings of an in-process run (no AFL): corpus replay, random mutations, growth checks.</summary>
public sealed class PlainOptions
{
    /// <summary>Directory holding one sub-directory per target (fuzz/corpus).</summary>
    public required string CorpusRoot { get; init; }
    public IReadOnlyList<string> Targets { get; init; } = [.. FuzzTargets.All.Keys];
    public int Mutations { get; init; } = 20_000;
    public int Seed { get; init; } = 4475;

    /// <summary>Slices of each corpus file grown by doubling to look for superlinear time.</summary>
    public int GrowthSlicesPerFile { get; init; } = 2;

    /// <summary>One input taking longer than this is a failure (a hang in miniature).</summary>
    public TimeSpan PerInputLimit { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Where failing inputs are written (null: not written).</summary>
    public string? FailureDir { get; init; }
    public TextWriter Log { get; init; } = TextWriter.Null;
}

/// <summary>One input that crashed, ran too long or grew superlinearly.</summary>
public sealed record FuzzFailure(string Target, string Kind, string Detail, byte[] Input);

/// <summary>
/// In-process fuzzing without AFL, cheap enough for a unit test: every corpus file, then random
/// mutations of them, through each target with a per-input time limit; then inputs made by doubling
/// a slice of a corpus file again and again, failing when time grows much faster than size.
/// </summary>
public sealed class PlainFuzzer(PlainOptions options)
{
    private readonly List<FuzzFailure> _failures = [];
    public long Executions { get; private set; }

    public IReadOnlyList<FuzzFailure> Run()
    {
        foreach (var name in options.Targets)
        {
            var target = FuzzTargets.All[name];
            var corpus = LoadCorpus(name);
            var rng = new Random(options.Seed);
            long before = Executions;
            // The first pass JIT-compiles the parsers (hundreds of ms on a busy machine): untimed.
            foreach (var input in corpus) Exec(name, target, input, timed: false);
            foreach (var input in corpus) Exec(name, target, input);
            for (int i = 0; i < options.Mutations && corpus.Count > 0; i++)
            {
                Exec(name, target, Mutator.Mutate(rng, corpus[rng.Next(corpus.Count)], corpus));
            }
            options.Log.WriteLine($"{name}: {corpus.Count} corpus files, {Executions - before} executions");
            foreach (var (label, make) in GrowthCases(name, corpus, rng))
            {
                CheckGrowth(name, target, label, make);
            }
        }
        return _failures;
    }

    private List<byte[]> LoadCorpus(string target)
    {
        var dir = Path.Combine(options.CorpusRoot, target);
        if (!Directory.Exists(dir)) return [];
        return [.. Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
    }

    private void Exec(string name, Action<ReadOnlyMemory<byte>> target, byte[] input, bool timed = true)
    {
        Executions++;
        long t0 = Stopwatch.GetTimestamp();
        try
        {
            target(input);
        }
        catch (Exception e)
        {
            Fail(name, "crash", e.GetType().Name + ": " + e.Message + Environment.NewLine + e.StackTrace, input);
            return;
        }
        var took = Stopwatch.GetElapsedTime(t0);
        if (!timed || took <= options.PerInputLimit) return;
        // A GC or a descheduled thread can stall one run; a slow input is slow every time.
        for (int again = 0; again < 2; again++)
        {
            t0 = Stopwatch.GetTimestamp();
            target(input);
            var retry = Stopwatch.GetElapsedTime(t0);
            if (retry <= options.PerInputLimit) return;
            took = retry < took ? retry : took;
        }
        Fail(name, "slow", $"{took.TotalMilliseconds:F1} ms for {input.Length} bytes", input);
    }

    // Hand-written shapes that stress lists, parameters, quoting and folding, plus random slices of the
    // corpus. Each case makes an input with its repeated part repeated n times.
    private IEnumerable<(string Label, Func<int, byte[]> Make)> GrowthCases(string name, List<byte[]> corpus, Random rng)
    {
        var shapes = name switch { "uri" => UriShapes, "digest" => DigestShapes, _ => MessageShapes };
        foreach (var (label, prefix, unit, suffix) in shapes)
        {
            yield return (label, n => Repeat(prefix, unit, suffix, n));
        }
        // distinct parameter names: lookups by name cannot stop at the first entry
        switch (name)
        {
            case "uri":
                yield return ("uri distinct params", n => Numbered("sip:a@example.com", i => $";p{i}=v", "", n));
                yield return ("uri distinct headers", n => Numbered("sip:a@example.com?", i => $"h{i}=v&", "x=y", n));
                break;
            case "digest":
                yield return ("digest distinct params", n => Numbered("Digest realm=\"r\", nonce=\"n\"", i => $", p{i}=v", "", n));
                break;
            default:
                yield return ("via distinct params", n => Numbered(Head + "Via: SIP/2.0/UDP x", i => $";p{i}=v", "\r\n\r\n", n));
                yield return ("contact distinct params", n => Numbered(Head + "Contact: <sip:c@x>", i => $";p{i}", "\r\n\r\n", n));
                yield return ("distinct header names", n => Numbered(Head, i => $"X-H{i}: v\r\n", "\r\n", n));
                break;
        }
        foreach (var input in corpus)
        {
            for (int k = 0; k < options.GrowthSlicesPerFile && input.Length > 1; k++)
            {
                int start = rng.Next(input.Length - 1);
                int length = 1 + rng.Next(Math.Min(32, input.Length - start));
                yield return ($"slice {start}+{length} of a {input.Length}-byte input", n => Grow(input, start, length, n));
            }
        }
    }

    private static byte[] Repeat(string prefix, string unit, string suffix, int n)
    {
        var sb = new StringBuilder(prefix.Length + unit.Length * n + suffix.Length).Append(prefix);
        for (int i = 0; i < n; i++) sb.Append(unit);
        return Encoding.ASCII.GetBytes(sb.Append(suffix).ToString());
    }

    private static byte[] Numbered(string prefix, Func<int, string> unit, string suffix, int n)
    {
        var sb = new StringBuilder(prefix);
        for (int i = 0; i < n; i++) sb.Append(unit(i));
        return Encoding.ASCII.GetBytes(sb.Append(suffix).ToString());
    }

    private const string Head = "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n" +
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n";

    private static readonly (string, string, string, string)[] UriShapes =
    [
        ("uri params", "sip:a@example.com", ";p=v", ""),
        ("uri same param", "sip:a@example.com", ";lr", ""),
        ("uri headers", "sip:a@example.com?", "h=v&", "x=y"),
        ("uri escapes", "sip:", "%41", "@example.com"),
        ("uri quotes", "sip:a@example.com;p=", "\"", ""),
        ("uri ipv6", "sip:[", "::", "]"),
    ];

    private const string Cred = "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"sip:a@b\", response=\"0\"";

    private static readonly (string, string, string, string)[] DigestShapes =
    [
        ("digest params", Cred, ", x=y", ""),
        ("digest same param", Cred, ", realm=\"r\"", ""),
        ("digest commas", Cred, ",", ", qop=auth"),
        ("digest escapes", "Digest username=\"", "\\\"", "\", realm=\"r\""),
        ("digest open quote", "Digest realm=\"", "a, b=", ""),
        ("digest folding", "Digest realm=\"r\",", "\r\n ", "nonce=\"n\""),
    ];

    private static readonly (string, string, string, string)[] MessageShapes =
    [
        ("via params", Head + "Via: SIP/2.0/UDP x", ";a=b", "\r\n\r\n"),
        ("via list", Head + "Via: SIP/2.0/UDP x", ",SIP/2.0/UDP y", "\r\n\r\n"),
        ("contact list", Head + "Contact: <sip:c@x>", ",<sip:d@y>", "\r\n\r\n"),
        ("route list", Head + "Route: <sip:c@x;lr>", ",<sip:d@y;lr>", "\r\n\r\n"),
        ("folded lines", Head + "Subject: x", "\r\n y", "\r\n\r\n"),
        ("open quote", Head + "Contact: \"", "a,", "\r\n\r\n"),
        ("open angle", Head + "Contact: <", "a,", "\r\n\r\n"),
        ("backslashes", Head + "Contact: \"", "\\", "\r\n\r\n"),
        ("header lines", Head, "X-A: b\r\n", "\r\n"),
        ("blank prefix", "", "\r\n", Head + "\r\n"),
        ("long method", "", "A", " sip:a@b SIP/2.0\r\n\r\n"),
        ("to params", Head.Replace("To: <sip:bob@example.com>", "To: <sip:bob@example.com>;a=b"), ";x=\"y\"", "\r\n\r\n"),
        ("body", Head + "\r\n", "v=0\r\n", ""),
    ];

    /// <summary>Times the input grown to about 1 KiB, 2 KiB, ... 64 KiB; a log-log slope above 1.5 over
    /// the last three doublings (linear is 1, quadratic 2) is re-measured with one more doubling before
    /// it counts, because a shared machine makes single timings noisy.</summary>
    private void CheckGrowth(string name, Action<ReadOnlyMemory<byte>> target, string label, Func<int, byte[]> make)
    {
        int unitBytes = Math.Max(1, make(2).Length - make(1).Length);
        int r = Math.Max(1, 1024 / unitBytes);
        try
        {
            var (slope, large, size) = Slope(target, make, r);
            options.Log.WriteLine($"  growth {name}/{label}: {size} bytes {large * 1e3:F3} ms, slope {slope:F2}");
            // Below 2 ms the absolute cost is harmless whatever the slope says (timer noise dominates).
            if (slope <= 1.5 || large <= 0.002) return;
            // Confirm twice: other processes stealing the core can fake one bad curve, hardly two.
            var biggest = make(r << 7);
            for (int attempt = 0; attempt < 2; attempt++)
            {
                var (slope2, large2, _) = Slope(target, make, r, batches: 9);
                double t7 = MinTime(target, biggest, batches: 9);
                options.Log.WriteLine($"    re-measured: slope {slope2:F2}, next doubling x{t7 / large2:F2}");
                if (slope2 <= 1.5 || t7 / large2 <= 2.8) return;
                if (attempt == 1)
                {
                    Fail(name, "superlinear", $"{label}: {biggest.Length} bytes take {t7 * 1e3:F2} ms; time grows as size^{slope2:F2}", biggest);
                }
            }
        }
        catch (Exception e)
        {
            Fail(name, "crash", $"{label}: {e.GetType().Name}: {e.Message}{Environment.NewLine}{e.StackTrace}", make(r));
        }
    }

    private (double Slope, double Large, int Size) Slope(Action<ReadOnlyMemory<byte>> target, Func<int, byte[]> make, int r, int batches = 3)
    {
        var small = make(r << 3);
        var large = make(r << 6);
        double ts = MinTime(target, small, batches), tl = MinTime(target, large, batches);
        return (Math.Log(tl / ts) / Math.Log((double)large.Length / small.Length), tl, large.Length);
    }

    private static byte[] Grow(byte[] input, int start, int length, int times)
    {
        var result = new byte[input.Length + length * (times - 1)];
        input.AsSpan(0, start).CopyTo(result);
        int at = start;
        for (int i = 0; i < times; i++, at += length) input.AsSpan(start, length).CopyTo(result.AsSpan(at));
        input.AsSpan(start + length).CopyTo(result.AsSpan(at));
        return result;
    }

    /// <summary>Seconds per call, the least over batches of at least 2 ms each (noise only adds time).</summary>
    private double MinTime(Action<ReadOnlyMemory<byte>> target, byte[] input, int batches = 3)
    {
        double best = double.MaxValue;
        for (int batch = 0; batch < batches; batch++)
        {
            int calls = 0;
            long t0 = Stopwatch.GetTimestamp();
            long elapsed;
            do
            {
                target(input);
                calls++;
                Executions++;
                elapsed = Stopwatch.GetTimestamp() - t0;
            }
            while (elapsed < Stopwatch.Frequency / 500);
            best = Math.Min(best, (double)elapsed / Stopwatch.Frequency / calls);
            if (best > 0.5) break; // already hopeless; do not spend seconds confirming it
        }
        return best;
    }

    private void Fail(string target, string kind, string detail, byte[] input)
    {
        var f = new FuzzFailure(target, kind, detail, input);
        _failures.Add(f);
        options.Log.WriteLine($"FAIL {target} {kind}: {detail}");
        if (options.FailureDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, $"{target}-{kind}-{_failures.Count}.bin");
            File.WriteAllBytes(path, input);
            options.Log.WriteLine($"  input written to {path}");
        }
    }
}

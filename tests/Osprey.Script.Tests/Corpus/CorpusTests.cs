using System.Text;
using Osprey.Script.Diagnostics;
using Xunit.Abstractions;

namespace Osprey.Script.Tests.Corpus;

/// <summary>
/// Differential tests against the installed Kamailio 5.6: same accept/reject verdict for the
/// default config (every WITH_* define) and every shipped example, and the same --cfg-print text.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> NoFunctions = [];

    private static Dictionary<string, string?> Defines(IEnumerable<string> names) =>
        names.ToDictionary(n => n, _ => (string?)null);

    [Fact]
    public void Osprey_agrees_with_kamailio_on_accept_and_reject()
    {
        Assert.True(KamailioOracle.Available, "kamailio is not installed: ./test.sh installs the Debian kamailio package");
        using var oracle = new KamailioOracle();
        var cases = KamailioOracle.DefaultConfigVariants
            .Select(v => (Label: "kamailio.cfg " + v.Name, File: KamailioOracle.DefaultConfig, v.Defines))
            .Concat(KamailioOracle.ExampleConfigs().Select(f => (Label: Path.GetRelativePath(KamailioOracle.ExamplesDirectory, f), File: f, Defines: Array.Empty<string>())))
            .ToList();

        var bothAccept = 0;
        var bothReject = 0;
        var rejectedOnlyForGaps = 0;
        var gapsByModule = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new StringBuilder();
        foreach (var (label, file, defines) in cases)
        {
            var kamailio = oracle.Run(file, defines, print: false);
            var loaded = ConfigCheck.Load(file, Defines(defines), NoFunctions);
            var errors = loaded.Diagnostics.Where(d => d.IsError).ToList();
            var realErrors = errors.Where(d => d.Code != DiagnosticCode.NotAvailableInOsprey).ToList();
            var kamailioAccepts = kamailio.ExitCode == 0;
            if (kamailioAccepts)
            {
                if (realErrors.Count == 0)
                {
                    bothAccept++;
                    foreach (var gap in errors)
                    {
                        var module = gap.Message.Split("(module '")[1].Split('\'')[0];
                        gapsByModule[module] = gapsByModule.GetValueOrDefault(module) + 1;
                    }
                }
                else
                {
                    failures.AppendLine($"{label}: kamailio accepts, Osprey reports:");
                    foreach (var e in realErrors.Take(5)) failures.AppendLine("    " + e);
                }
            }
            else if (errors.Count > 0)
            {
                bothReject++;
                if (realErrors.Count == 0) rejectedOnlyForGaps++;
                output.WriteLine($"both reject {label}: osprey: {(realErrors.Count > 0 ? realErrors[0] : errors[0])}");
            }
            else
            {
                var firstKamailioError = kamailio.Stderr.Split('\n').FirstOrDefault(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("CRITICAL", StringComparison.Ordinal)) ?? kamailio.Stderr;
                failures.AppendLine($"{label}: kamailio rejects ({firstKamailioError.Trim()}), Osprey accepts");
            }
        }

        output.WriteLine($"configs: {cases.Count}; accepted by both: {bothAccept}; rejected by both: {bothReject}; disagreements: {cases.Count - bothAccept - bothReject}");
        output.WriteLine($"of those rejected by both, Osprey's only errors are 'not available in Osprey yet' in {rejectedOnlyForGaps} (Kamailio fails on a module not installed here)");
        output.WriteLine("Osprey-only gaps in configs both accept (calls of functions not implemented yet, by module):");
        foreach (var (module, count) in gapsByModule) output.WriteLine($"    {module}: {count}");
        output.WriteLine(failures.ToString());
        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void Cfg_print_matches_kamailio_for_every_default_config_variant()
    {
        Assert.True(KamailioOracle.Available, "kamailio is not installed: ./test.sh installs the Debian kamailio package");
        using var oracle = new KamailioOracle();
        var mismatches = new StringBuilder();
        foreach (var (name, defines) in KamailioOracle.DefaultConfigVariants)
        {
            var expected = oracle.Run(KamailioOracle.DefaultConfig, defines, print: true).Stdout;
            Assert.True(expected.Length > 1000, $"kamailio --cfg-print printed too little for {name}");
            using var outWriter = new StringWriter();
            using var errWriter = new StringWriter();
            ConfigCheck.Run(outWriter, errWriter, KamailioOracle.DefaultConfig, Defines(defines), print: true);
            var a = Normalize(expected);
            var b = Normalize(outWriter.ToString());
            if (!a.SequenceEqual(b))
            {
                var i = 0;
                while (i < Math.Min(a.Count, b.Count) && a[i] == b[i]) i++;
                mismatches.AppendLine($"{name}: first difference at normalized line {i}: kamailio '{a.ElementAtOrDefault(i)}' osprey '{b.ElementAtOrDefault(i)}'");
            }
        }
        output.WriteLine($"variants: {KamailioOracle.DefaultConfigVariants.Length}; mismatches: {mismatches}");
        Assert.True(mismatches.Length == 0, mismatches.ToString());
    }

    /// <summary>Compares modulo whitespace: trimmed lines, blank lines dropped.</summary>
    private static List<string> Normalize(string text) =>
        text.Split('\n').Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).Where(l => l.Length > 0).ToList();
}

using Osprey.Fuzz;

namespace Osprey.Sip.Tests.Fuzz;

/// <summary>
/// The in-process mode of fuzz/Osprey.Fuzz as a test: every seed of fuzz/corpus, a few thousand
/// mutations of them, and the superlinear-time checks, through the message and URI parsers. The long
/// AFL campaigns are fuzz/run-fuzz.sh's job; this keeps the cheap part in every test run.
/// </summary>
public class PlainFuzzTests
{
    [Fact]
    public void Corpus_mutations_and_growth_checks_find_nothing()
    {
        var log = new StringWriter();
        var fuzzer = new PlainFuzzer(new PlainOptions
        {
            CorpusRoot = FindCorpus(),
            Mutations = 3000,
            GrowthSlicesPerFile = 1,
            Log = log,
        });
        var failures = fuzzer.Run();
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Select(f => $"{f.Target} {f.Kind}: {f.Detail}")) + Environment.NewLine + log);
        Assert.True(fuzzer.Executions > 6000);
    }

    private static string FindCorpus()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var c = Path.Combine(d.FullName, "fuzz", "corpus");
            if (Directory.Exists(c)) return c;
        }
        throw new DirectoryNotFoundException("fuzz/corpus not found above " + AppContext.BaseDirectory);
    }
}

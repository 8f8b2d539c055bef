using Osprey.Interop.Tests.Support;
using Osprey.Server;

namespace Osprey.Interop.Tests;

/// <summary>
/// docs/rpc.md and docs/metrics.md carry sections generated from the registries. These tests fail when the
/// checked-in text differs from what the code registers; fix with
/// <c>dotnet run --project src/Osprey.Server -c Release -- --update-docs docs</c>.
/// </summary>
public sealed class GeneratedDocsTests
{
    private const string Fix = "; regenerate with: dotnet run --project src/Osprey.Server -c Release -- --update-docs docs";

    private static string CheckedIn(string file, string option)
    {
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", file));
        var section = ReferenceDocs.SectionOf(text, option);
        Assert.True(section is not null, "docs/" + file + " has no generated section" + Fix);
        return section;
    }

    private static void Same(string file, string expected, string actual)
    {
        if (expected == actual) return;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var missing = e.Except(a).Take(5);
        var stale = a.Except(e).Take(5);
        Assert.Fail("docs/" + file + " differs from the registry" + Fix + "\nnot documented:\n  " + string.Join("\n  ", missing) + "\nno longer true:\n  " + string.Join("\n  ", stale));
    }

    [Fact]
    public void Rpc_reference_matches_every_registered_command()
    {
        string generated = ReferenceDocs.RpcSection();
        // Core, control plane and modules are all in it.
        foreach (var name in new[] { "core.uptime", "system.listMethods", "stats.get_statistics", "cfg.reload", "ctl.listen", "ul.dump", "tm.stats" })
            Assert.Contains("| `" + name + "` |", generated);
        Same("rpc.md", generated, CheckedIn("rpc.md", "--dump-rpc-docs"));
    }

    [Fact]
    public void Metrics_reference_matches_every_registered_statistic()
    {
        string generated = ReferenceDocs.StatsSection();
        foreach (var name in new[] { "osprey_core_rcv_requests", "osprey_shmem_used_size", "osprey_usrloc_registered_users", "osprey_tmx_UAS_transactions", "osprey_dotnet_gc_heap_bytes" })
            Assert.Contains("| `" + name + "` |", generated);
        Same("metrics.md", generated, CheckedIn("metrics.md", "--dump-stats-docs"));
    }

    [Fact]
    public void The_command_line_prints_the_same_sections()
    {
        var (code, output, err) = OspreyProcess.RunToExit("--dump-rpc-docs", "--dump-stats-docs");
        Assert.True(code == 0, err);
        Assert.Equal(ReferenceDocs.RpcSection() + ReferenceDocs.StatsSection(), output);
    }
}

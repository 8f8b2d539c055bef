using System.Text.RegularExpressions;
using Osprey.Script.Tests.Corpus;

namespace Osprey.Script.Tests.Runtime;

/// <summary>The loader on every shipped example and the default config (with and without the common
/// defines): it never throws, and every error it returns is <c>file:line:col: message</c>.</summary>
public sealed class LoaderCorpusTests
{
    [Fact]
    public void Loader_never_throws_and_reports_located_errors()
    {
        Assert.True(File.Exists(KamailioOracle.DefaultConfig), KamailioOracle.DefaultConfig + " is missing: install the Debian kamailio package (./test.sh does)");
        var located = new Regex(@"^[^:]+:\d+:\d+: ", RegexOptions.CultureInvariant);
        var defineSets = new[]
        {
            new Dictionary<string, string?>(),
            new Dictionary<string, string?> { ["WITH_NAT"] = null, ["WITH_AUTH"] = null, ["WITH_MYSQL"] = null, ["WITH_PSTN"] = null, ["WITH_ANTIFLOOD"] = null, ["WITH_TLS"] = null, ["WITH_PRESENCE"] = null, ["WITH_DEBUG"] = null },
        };
        int loads = 0;
        foreach (var file in KamailioOracle.ExampleConfigs().Append(KamailioOracle.DefaultConfig))
        {
            foreach (var defines in defineSets)
            {
                var r = ScriptLoader.Load(file, defines, new ScriptLoadOptions { LogWriter = TextWriter.Null });
                loads++;
                Assert.True(r.Success || r.Errors.Count > 0, file);
                foreach (var e in r.Errors) Assert.Matches(located, e);
            }
        }
        Assert.True(loads > 100, $"only {loads} configs found");
    }

    /// <summary>The compiler itself on every parsed example (functions Osprey lacks become errors): no
    /// exception, located errors only, and the default config compiles down to missing module functions.</summary>
    [Fact]
    public void Compiler_handles_every_example_route()
    {
        var located = new Regex(@"^[^:]+:\d+:\d+: ", RegexOptions.CultureInvariant);
        var registry = new Osprey.Core.Modules.ModuleRegistry([typeof(ScriptLoader).Assembly]);
        foreach (var file in KamailioOracle.ExampleConfigs().Append(KamailioOracle.DefaultConfig))
        {
            var loaded = ConfigCheck.Load(file, new Dictionary<string, string?>(), TestConfig.AllFunctions);
            var modules = new Osprey.Core.Modules.ModuleSet();
            foreach (var name in new[] { "core", "pv", "xlog", "kex", "corex", "textops", "siputils" })
                foreach (var d in registry.Find(name)) modules.Add(new Osprey.Core.Modules.LoadedModule(d, d.CreateInstance()));
            var diag = new Osprey.Script.Diagnostics.DiagnosticBag();
            var compiler = new Osprey.Script.Compiler.ScriptCompiler(loaded.Config, diag, modules.Modules, [], new Dictionary<string, Osprey.Core.Modules.PvValue>(), 100);
            compiler.CompileRoutes();
            foreach (var d in diag.Items) Assert.Matches(located, d.ToString());
            if (file == KamailioOracle.DefaultConfig)
            {
                Assert.All(diag.Items.Where(d => d.IsError), d => Assert.Equal(Osprey.Script.Diagnostics.DiagnosticCode.NotAvailableInOsprey, d.Code));
            }
        }
    }
}

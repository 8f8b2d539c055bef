using Osprey.Script.Ast;
using Osprey.Script.Diagnostics;
using Osprey.Script.Semantics;
using Osprey.Script.Syntax;

namespace Osprey.Script;

/// <summary>
/// Entry point for the <c>osprey</c> executable's config modes: <c>-c -f FILE</c> (check) and
/// <c>--cfg-print</c>. Everything a user can get wrong is reported as <c>file:line:col: message</c>
/// on <c>err</c>; nothing throws.
/// </summary>
public static class ConfigCheck
{
    /// <summary>Exit code: config is valid and everything it uses exists in Osprey.</summary>
    public const int Ok = 0;

    /// <summary>Exit code: the config has errors (syntax, unknown names, missing modules, ...).</summary>
    public const int Invalid = 1;

    /// <summary>Exit code: valid for Kamailio 5.6, but uses functions Osprey does not implement yet.</summary>
    public const int NotSupported = 2;

    /// <summary>
    /// Checks (or, with <paramref name="print"/>, preprocesses and prints) a kamailio.cfg.
    /// </summary>
    /// <param name="out">Receives the preprocessed text when <paramref name="print"/> is set.</param>
    /// <param name="err">Receives diagnostics, one per line.</param>
    /// <param name="file">The config file (-f).</param>
    /// <param name="defines">-A NAME[=value] defines; a null value defines the name without a value.</param>
    /// <param name="print">--cfg-print: print the config after includes and #!ifdef, like Kamailio.</param>
    /// <param name="ospreyFunctions">Module functions Osprey implements; null asks the module registry.</param>
    /// <returns><see cref="Ok"/>, <see cref="Invalid"/> or <see cref="NotSupported"/>.</returns>
    public static int Run(TextWriter @out, TextWriter err, string file, IReadOnlyDictionary<string, string?> defines, bool print,
        IReadOnlySet<string>? ospreyFunctions = null)
    {
        var result = Load(file, defines, ospreyFunctions ?? ScriptLoader.AvailableFunctions(), ospreyFunctions is null ? ScriptLoader.AvailableModules() : null);
        if (print)
        {
            @out.Write(result.Preprocessed.PrintedText);
            var preprocessorErrors = result.Diagnostics.Where(d => d.IsError && d.Code is DiagnosticCode.Preprocessor or DiagnosticCode.Include).ToList();
            foreach (var d in preprocessorErrors) err.WriteLine(d);
            return preprocessorErrors.Count > 0 ? Invalid : Ok;
        }
        foreach (var d in result.Diagnostics) err.WriteLine(d);
        var errors = result.Diagnostics.Where(d => d.IsError).ToList();
        if (errors.Count == 0) return Ok;
        if (errors.All(d => d.Code == DiagnosticCode.NotAvailableInOsprey))
        {
            err.WriteLine($"{file}: valid for Kamailio 5.6, but {errors.Count} function call(s) are not available in Osprey yet");
            return NotSupported;
        }
        err.WriteLine($"{file}: {errors.Count(d => d.Code != DiagnosticCode.NotAvailableInOsprey)} error(s)");
        return Invalid;
    }

    /// <summary>Preprocesses, parses and checks; the compiler builds on this.</summary>
    internal static LoadedConfig Load(string file, IReadOnlyDictionary<string, string?> defines, IReadOnlySet<string> ospreyFunctions,
        IReadOnlySet<string>? ospreyModules = null)
    {
        var diagnostics = new DiagnosticBag();
        var preprocessed = new Preprocessor(diagnostics, defines).Run(file);
        var config = new Parser(preprocessed.Tokens, diagnostics).ParseConfig();
        new ConfigChecker(config, diagnostics, ospreyFunctions, preprocessed.Mode, file, ospreyModules).Check();
        return new LoadedConfig(config, preprocessed, diagnostics.Items);
    }
}

/// <summary>A config after all front-end passes.</summary>
internal sealed record LoadedConfig(ConfigFile Config, PreprocessedConfig Preprocessed, IReadOnlyList<Diagnostic> Diagnostics);

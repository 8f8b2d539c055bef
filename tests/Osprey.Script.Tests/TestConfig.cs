using System.Text;
using Osprey.Script.Ast;
using Osprey.Script.Diagnostics;

namespace Osprey.Script.Tests;

/// <summary>Writes configs to a private temp directory and runs the front end on them.</summary>
internal sealed class TestConfig : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("osprey-cfg-").FullName;

    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public LoadedConfig Load(string text, IReadOnlyDictionary<string, string?>? defines = null, IReadOnlySet<string>? osprey = null) =>
        ConfigCheck.Load(Write("kamailio.cfg", text), defines ?? new Dictionary<string, string?>(), osprey ?? AllFunctions);

    public string MainPath => Path.Combine(Directory, "kamailio.cfg");

    /// <summary>Pretends Osprey implements every module function, so tests see only real errors.</summary>
    public static readonly IReadOnlySet<string> AllFunctions = new AllSet();

    private sealed class AllSet : HashSet<string>, IReadOnlySet<string>
    {
        bool IReadOnlySet<string>.Contains(string item) => true;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    public static IEnumerable<string> Errors(LoadedConfig c) => c.Diagnostics.Where(d => d.IsError).Select(d => d.ToString());

    public static Stmt[] RequestRoute(LoadedConfig c) =>
        c.Config.Routes.Single(r => r.Kind == RouteKind.Request).Body.Statements.ToArray();

    /// <summary>S-expression of an expression tree, to assert on shape (precedence).</summary>
    public static string Show(Expr e) => e switch
    {
        IntLiteral i => i.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StringLiteral s => "\"" + s.Value + "\"",
        PvExpr p => p.Pv.Text,
        KeywordExpr k => k.Keyword.ToString(),
        MyselfExpr => "myself",
        BareWordExpr b => b.Text,
        AddressExpr a => a.Address + (a.PrefixLength is { } n ? "/" + n : ""),
        SelectExpr s => "@" + s.Path,
        UnaryExpr u => $"({u.Op} {Show(u.Operand)})",
        BinaryExpr b => $"({b.Op} {Show(b.Left)} {Show(b.Right)})",
        CastExpr c => $"({c.Type} {Show(c.Operand)})",
        CallExpr c => $"{c.Name}({string.Join(", ", c.Arguments.Select(Show))})",
        RouteCallExpr r => $"route({r.Target ?? Show(r.Dynamic!)})",
        _ => e.GetType().Name,
    };
}

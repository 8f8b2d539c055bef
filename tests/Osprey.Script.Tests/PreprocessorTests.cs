using Osprey.Script.Ast;
using Osprey.Script.Syntax;
using static Osprey.Script.Tests.TestConfig;

namespace Osprey.Script.Tests;

public sealed class PreprocessorTests : IDisposable
{
    private readonly TestConfig _cfg = new();
    public void Dispose() => _cfg.Dispose();

    private static Dictionary<string, string?> D(params string[] names) => names.ToDictionary(n => n.Split('=')[0], n => n.Contains('=') ? n.Split('=', 2)[1] : null);

    private string Cond(LoadedConfig c) => Show(((IfStmt)RequestRoute(c)[0]).Condition);

    [Fact]
    public void Define_replaces_identifiers_but_not_text_inside_strings()
    {
        var c = _cfg.Load("loadmodule \"pv\"\n#!define FLT 3\nrequest_route { if (isflagset(FLT) && $rU == \"FLT\") exit; }");
        Assert.Empty(Errors(c));
        Assert.Equal("(LogicalAnd isflagset(3) (Equal $rU \"FLT\"))", Cond(c));
    }

    [Fact]
    public void Define_values_are_relexed_recursively_and_continue_after_backslash()
    {
        var c = _cfg.Load("#!define A B + \\\n 2\n#!define B 1\nrequest_route { if (A) exit; }");
        Assert.Empty(Errors(c));
        Assert.Equal("(Add 1 2)", Cond(c));
    }

    [Fact]
    public void Define_without_value_only_marks_the_name()
    {
        var c = _cfg.Load("#!define WITH_X\n#!ifdef WITH_X\nrequest_route { exit; }\n#!endif\n");
        Assert.Empty(Errors(c));
        Assert.Single(c.Config.Routes);
    }

    [Fact]
    public void Nested_conditionals_with_else_and_ifndef()
    {
        var text = "#!ifdef A\n#!ifndef B\nx=1\n#!else\nx=2\n#!endif\n#!else\nx=3\n#!endif\n".Replace("x=", "debug=", StringComparison.Ordinal);
        Assert.Equal(1, ((IntParamValue)_cfg.Load(text, D("A")).Config.Parameters.Single().Value).Value);
        Assert.Equal(2, ((IntParamValue)_cfg.Load(text, D("A", "B")).Config.Parameters.Single().Value).Value);
        Assert.Equal(3, ((IntParamValue)_cfg.Load(text, D("B")).Config.Parameters.Single().Value).Value);
    }

    [Fact]
    public void Trydef_keeps_a_command_line_value_and_redefine_replaces()
    {
        var c = _cfg.Load("#!trydef V 1\n#!redefine W 5\n#!redefine W 6\ndebug=V\nchildren=W\n", D("V=2"));
        Assert.Empty(Errors(c));
        Assert.Equal(2, ((IntParamValue)c.Config.Parameters[0].Value).Value);
        Assert.Equal(6, ((IntParamValue)c.Config.Parameters[1].Value).Value);
    }

    [Fact]
    public void Defining_a_name_twice_is_an_error()
    {
        var c = _cfg.Load("#!define A 1\n#!define A 2\n");
        Assert.Equal([$"{_cfg.MainPath}:2:1: 'A' is already defined (use #!redefine to change it)"], Errors(c));
    }

    [Fact]
    public void Subst_changes_strings_and_substdef_also_defines()
    {
        var c = _cfg.Load("loadmodule \"pv\"\n#!subst \"/HOST/example.com/g\"\n#!substdef \"!PORT!5080!g\"\n#!substdefs \"!NAME!osprey!g\"\n" +
                          "request_route { $var(a) = \"sip:HOST:PORT\"; $var(b) = PORT; $var(c) = NAME; }");
        Assert.Empty(Errors(c));
        var s = RequestRoute(c).Cast<AssignStmt>().Select(a => Show(a.Value)).ToArray();
        Assert.Equal(["\"sip:example.com:5080\"", "5080", "\"osprey\""], s);
    }

    [Fact]
    public void Defenv_reads_the_environment()
    {
        Environment.SetEnvironmentVariable("OSPREY_TEST_PORT", "5099");
        var c = _cfg.Load("#!defenv P=OSPREY_TEST_PORT\n#!trydefenv Q=OSPREY_TEST_UNSET_VARIABLE\nport=P\n");
        Assert.Empty(Errors(c));
        Assert.Equal(5099, ((IntParamValue)c.Config.Parameters.Single().Value).Value);
        var bad = _cfg.Load("#!defenv Q=OSPREY_TEST_UNSET_VARIABLE\n");
        Assert.Equal([$"{_cfg.MainPath}:1:1: environment variable 'OSPREY_TEST_UNSET_VARIABLE' is not set"], Errors(bad));
    }

    [Fact]
    public void Import_of_a_missing_file_is_ignored_but_include_is_an_error()
    {
        var c = _cfg.Load("import_file \"missing.cfg\"\ninclude_file \"gone.cfg\"\n");
        Assert.Equal([$"{_cfg.MainPath}:2:14: cannot find included file 'gone.cfg'"], Errors(c));
    }

    [Fact]
    public void Include_is_resolved_relative_to_the_including_file_and_errors_name_that_file()
    {
        var inner = _cfg.Write("sub/routes.cfg", "route[R] {\n  exit\n}\n");
        _cfg.Write("sub/main.cfg", "include_file \"routes.cfg\"\nrequest_route { route(R); }\n");
        var c = ConfigCheck.Load(Path.Combine(_cfg.Directory, "sub/main.cfg"), new Dictionary<string, string?>(), AllFunctions);
        Assert.Equal($"{inner}:3:1: expected ';' after 'exit', found '}}'", string.Join("\n", Errors(c)));
    }

    [Fact]
    public void Loadmodule_defines_MOD_name_and_version_names_are_predefined()
    {
        var c = _cfg.Load("loadmodule \"tm.so\"\n#!ifdef MOD_tm\n#!ifdef KAMAILIO_5_6\ndebug=3\n#!endif\n#!endif\n");
        Assert.Single(c.Config.Parameters);
    }

    [Fact]
    public void Comments_of_all_three_kinds_and_nested_block_comments_are_skipped()
    {
        var c = _cfg.Load("# one\n// two\n/* three /* nested */ still comment */\ndebug=1 # tail\n");
        Assert.Empty(Errors(c));
        Assert.Single(c.Config.Parameters);
    }

    [Fact]
    public void Double_bang_and_KAMAILIO_marker_forms()
    {
        var c = _cfg.Load("#!KAMAILIO\n!!define X 4\ndebug=X\n");
        Assert.Equal(CompatibilityMode.Kamailio, c.Preprocessed.Mode);
        Assert.Equal(4, ((IntParamValue)c.Config.Parameters.Single().Value).Value);
    }

    [Fact]
    public void Unbalanced_conditionals_are_reported()
    {
        Assert.Equal([$"{_cfg.MainPath}:1:1: #!endif without a matching #!ifdef"], Errors(_cfg.Load("#!endif\n")));
        Assert.Equal([$"{_cfg.MainPath}:1:1: #!ifdef/#!ifndef without a matching #!endif"], Errors(_cfg.Load("#!ifdef X\n")));
    }

    [Fact]
    public void Cfg_print_drops_conditional_lines_and_inactive_text_but_keeps_defines()
    {
        var path = _cfg.Write("kamailio.cfg", "#!define A 1\n#!ifdef A\nkeep\n#!else\ndrop\n#!endif\nimport_file \"none.cfg\"\n");
        using var o = new StringWriter();
        using var e = new StringWriter();
        Assert.Equal(0, ConfigCheck.Run(o, e, path, new Dictionary<string, string?>(), print: true));
        Assert.Equal("#!define A 1\nkeep\n\n", o.ToString());
    }
}

namespace Osprey.Script.Tests.Runtime;

/// <summary>Each class of error the compiler reports, with its exact file:line:col: message.</summary>
public sealed class CompileErrorTests
{
    private static void Errors(string cfg, params string[] expected)
    {
        using var h = ScriptHarness.Compile(cfg);
        Assert.False(h.Result.Success);
        Assert.Equal(expected.Select(e => e.Replace("{P}", h.Path, StringComparison.Ordinal)).ToArray(), h.Result.Errors.ToArray());
    }

    [Fact]
    public void Undefined_route() =>
        Errors("request_route {\n  route(MISSING);\n}\n", "{P}:2:3: route 'MISSING' is not defined");

    [Fact]
    public void Assignment_to_a_read_only_pseudo_variable() =>
        Errors("loadmodule \"pv\"\nrequest_route {\n  $si = \"1.2.3.4\";\n}\n", "{P}:3:3: cannot assign to '$si': it is read-only");

    [Fact]
    public void Type_mismatch_of_constants() =>
        Errors("request_route {\n  if (5 + \"10\") { exit; }\n  if (1 < \"2\") { exit; }\n}\n",
            "{P}:2:11: type mismatch: str instead of int", "{P}:3:11: type mismatch: str instead of int");

    [Fact]
    public void Bad_regular_expression() =>
        Errors("loadmodule \"pv\"\nrequest_route {\n  if ($ru =~ \"sip:(\") { exit; }\n}\n",
            "{P}:3:14: bad regular expression \"sip:(\": Invalid pattern 'sip:(' at offset 5. Not enough )'s.");

    [Fact]
    public void Unknown_transformation() =>
        Errors("loadmodule \"pv\"\nrequest_route {\n  $var(x) = $(ru{s.nosuch});\n}\n", "{P}:3:13: unknown transformation {s.nosuch} in '$(ru{s.nosuch})'");

    [Fact]
    public void Onreply_route_rejects_request_only_core_actions() =>
        Errors("onreply_route[R] {\n  rewriteuri(\"sip:a@b\");\n}\n",
            "{P}:2:3: function 'rewriteuri' cannot be used in onreply_route (allowed in: request_route, failure_route, branch_route, event_route)");

    [Fact]
    public void Integer_argument_that_is_not_a_number() =>
        Errors("request_route {\n  setflag(\"abc\");\n}\n", "{P}:2:3: function 'setflag': argument 1 must be an integer, not \"abc\"");

    [Fact]
    public void Wrong_arity_of_a_core_action() =>
        Errors("request_route {\n  setflag(1, 2);\n}\n", "{P}:2:3: function 'setflag' (module 'core') takes 1 argument(s) in Osprey, not 2");

    [Fact]
    public void Switch_mixing_integer_and_string_cases() =>
        Errors("loadmodule \"pv\"\nrequest_route {\n  switch ($rU) {\n    case 1: break;\n    case \"a\": break;\n  }\n}\n",
            "{P}:3:3: switch mixes integer and string cases");

    [Fact]
    public void Unknown_modparam_and_bad_modparam_type()
    {
        using var h = ScriptHarness.Compile("loadmodule \"xlog\"\nmodparam(\"xlog\", \"nosuch\", 1)\nmodparam(\"xlog\", \"buf_size\", \"big\")\nrequest_route { exit; }\n");
        Assert.Equal([
            $"{h.Path}:2:1: modparam: module 'xlog' has no parameter 'nosuch'",
            $"{h.Path}:3:30: modparam: parameter 'buf_size' of module 'xlog' takes an integer, not \"big\"",
        ], h.Result.Errors);
    }

    [Fact]
    public void Module_that_does_not_exist()
    {
        using var h = ScriptHarness.Compile("loadmodule \"nosuchmod.so\"\nrequest_route { exit; }\n");
        Assert.Equal([$"{h.Path}:1:1: module 'nosuchmod' does not exist in Kamailio 5.6"], h.Result.Errors);
    }

    [Fact]
    public void Function_of_a_kamailio_module_osprey_lacks()
    {
        using var h = ScriptHarness.Compile("loadmodule \"sanity\"\nrequest_route {\n  sanity_check();\n}\n");
        Assert.Equal([$"{h.Path}:3:3: function 'sanity_check' (module 'sanity') is not available in Osprey yet"], h.Result.Errors);
    }

    [Fact]
    public void Unsupported_select()
    {
        using var h = ScriptHarness.Compile("request_route {\n  if (@via[1].host == \"x\") { exit; }\n}\n");
        Assert.Equal([$"{h.Path}:2:7: select '@via[1].host' is not available in Osprey yet"], h.Result.Errors);
    }

    [Fact]
    public void Errors_leave_no_script_and_syntax_errors_come_first()
    {
        using var h = ScriptHarness.Compile("request_route {\n  exit\n}\n");
        Assert.False(h.Result.Success);
        Assert.Null(h.Result.Script);
        Assert.Equal([$"{h.Path}:3:1: expected ';' after 'exit', found '}}'"], h.Result.Errors);
    }
}

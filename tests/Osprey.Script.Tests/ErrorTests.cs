using Osprey.Script.Diagnostics;
using static Osprey.Script.Tests.TestConfig;

namespace Osprey.Script.Tests;

/// <summary>Every error class with its exact file:line:col: message.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly TestConfig _cfg = new();
    public void Dispose() => _cfg.Dispose();

    private string P => _cfg.MainPath;

    [Fact]
    public void Missing_semicolon_before_else()
    {
        var c = _cfg.Load("loadmodule \"pv\"\nrequest_route {\n  if ($rU) route(R)\n  else exit;\n}\nroute[R] { exit; }\n");
        Assert.Equal([$"{P}:4:3: missing ';' before 'else' (after ')')"], Errors(c));
    }

    [Fact]
    public void Recovery_reports_independent_errors_without_cascades()
    {
        var c = _cfg.Load("request_route {\n  exit\n  drop;\n  if (1 +) { exit; }\n  exit;\n}\nroute[X] {\n  break\n}\nfoo bar\ndebug=2\n");
        Assert.Equal(
        [
            $"{P}:3:3: expected ';' after 'exit', found 'drop'",
            $"{P}:4:10: expected an expression, found ')'",
            $"{P}:9:1: expected ';' after 'break', found '}}'",
            $"{P}:10:1: unexpected 'foo' at top level (expected a parameter, loadmodule, modparam or route block)",
        ], Errors(c));
        Assert.Single(c.Config.Parameters);
    }

    [Fact]
    public void Unsupported_assignment_operators()
    {
        var c = _cfg.Load("loadmodule \"pv\"\nrequest_route {\n  $var(x) := 1;\n  $var(x) += 1;\n  $(ru{s.len}) = 1;\n}\n");
        Assert.Equal(
        [
            $"{P}:3:11: ':=' is not supported by Kamailio 5.6; write '$var(x) = ...'",
            $"{P}:4:11: '+=' is not supported by Kamailio 5.6; write '$var(x) = ...'",
            $"{P}:5:3: cannot assign to '$(ru{{s.len}})': pseudo-variables with transformations are read-only",
        ], Errors(c));
    }

    [Fact]
    public void Function_of_a_module_that_is_not_loaded()
    {
        var c = _cfg.Load("request_route {\n    t_relay();\n}\n");
        Assert.Equal([$"{P}:2:5: function 't_relay' is exported by module 'tm', which is not loaded"], Errors(c));
        Assert.Equal(DiagnosticCode.ModuleNotLoaded, c.Diagnostics.Single().Code);
    }

    [Fact]
    public void Function_not_available_in_osprey_has_its_own_class()
    {
        var c = _cfg.Load("loadmodule \"tm\"\nrequest_route {\n    t_relay();\n}\n", osprey: new HashSet<string>());
        var d = c.Diagnostics.Single();
        Assert.Equal($"{P}:3:5: function 't_relay' (module 'tm') is not available in Osprey yet", d.ToString());
        Assert.Equal(DiagnosticCode.NotAvailableInOsprey, d.Code);
        Assert.Empty(Errors(_cfg.Load("loadmodule \"tm\"\nrequest_route {\n    t_relay();\n}\n", osprey: new HashSet<string> { "t_relay" })));
    }

    [Fact]
    public void Unknown_removed_and_wrong_arity_functions()
    {
        var c = _cfg.Load("loadmodule \"tm\"\nrequest_route {\n  frobnicate();\n  len_gt(10);\n  t_relay(\"udp:1.2.3.4:5060\");\n}\n");
        Assert.Equal(
        [
            $"{P}:3:3: unknown function 'frobnicate'",
            $"{P}:4:3: function 'len_gt' does not exist in Kamailio 5.6 (old core/textops size test (use msg:len / $ml))",
            $"{P}:5:3: function 't_relay' (module 'tm') takes 0 or 2 argument(s), not 1",
        ], Errors(c));
    }

    [Fact]
    public void Undefined_and_duplicate_routes()
    {
        var c = _cfg.Load("request_route {\n  route(MISSING);\n}\nroute[A] { exit; }\nroute[A] { exit; }\n");
        Assert.Equal(
        [
            $"{P}:5:1: route 'A' is defined more than once",
            $"{P}:2:3: route 'MISSING' is not defined",
        ], Errors(c));
    }

    [Fact]
    public void Core_parameters_unknown_and_ignored()
    {
        var c = _cfg.Load("fifo=\"/tmp/x\"\nmemdbg=5\n");
        Assert.Equal([$"{P}:1:1: unknown core parameter 'fifo'"], Errors(c));
        Assert.Equal($"{P}:2:1: warning: core parameter 'memdbg' has no effect in Osprey and is ignored", c.Diagnostics[1].ToString());
    }

    [Fact]
    public void Dns_core_parameters_with_a_value_that_does_not_fit_say_why()
    {
        var c = _cfg.Load("dns_retr_time=\"soon\"\ndns_slow_query_ms=250\nuse_dns_failover=maybe\n");
        Assert.Equal(
        [
            $"{P}:1:1: dns_retr_time: expected a number of seconds, got 'soon'",
            $"{P}:3:1: use_dns_failover: expected yes/no, got 'maybe'",
        ], Errors(c));
    }

    [Fact]
    public void Modules_that_do_not_exist_and_modparams_without_module()
    {
        var c = _cfg.Load("loadmodule \"mi_fifo.so\"\nloadmodule \"modules/tm/tm.so\"\nmodparam(\"rr\", \"enable_full_lr\", 1)\n");
        Assert.Equal(
        [
            $"{P}:1:1: module 'mi_fifo' does not exist in Kamailio 5.6",
            $"{P}:2:1: cannot find module file 'modules/tm/tm.so'; write the module name instead (loadmodule \"tm.so\")",
            $"{P}:3:1: modparam: no loaded module matches 'rr'",
        ], Errors(c));
    }

    [Fact]
    public void Pseudo_variable_of_a_module_that_is_not_loaded()
    {
        var c = _cfg.Load("request_route {\n  $avp(x) = 1;\n}\n");
        Assert.Equal([$"{P}:2:3: pseudo-variable '$avp' is provided by module 'pv', which is not loaded"], Errors(c));
    }

    [Fact]
    public void Check_mode_exit_codes_and_output()
    {
        var path = _cfg.Write("kamailio.cfg", "loadmodule \"tm\"\nrequest_route {\n  t_relay();\n}\n");
        using var o = new StringWriter();
        using var e = new StringWriter();
        Assert.Equal(ConfigCheck.NotSupported, ConfigCheck.Run(o, e, path, new Dictionary<string, string?>(), print: false));
        Assert.StartsWith($"{path}:3:3: function 't_relay' (module 'tm') is not available in Osprey yet", e.ToString(), StringComparison.Ordinal);
        Assert.Equal(ConfigCheck.Ok, ConfigCheck.Run(o, e, path, new Dictionary<string, string?>(), print: false, new HashSet<string> { "t_relay" }));
        var bad = _cfg.Write("bad.cfg", "request_route { exit }\n");
        Assert.Equal(ConfigCheck.Invalid, ConfigCheck.Run(o, e, bad, new Dictionary<string, string?>(), print: false));
        Assert.Equal(ConfigCheck.Invalid, ConfigCheck.Run(o, e, Path.Combine(_cfg.Directory, "nope.cfg"), new Dictionary<string, string?>(), print: false));
    }
}

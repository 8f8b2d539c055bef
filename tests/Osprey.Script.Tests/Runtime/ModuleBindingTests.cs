using Osprey.Core;
using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script.Tests.Runtime;

/// <summary>What a module author writes is what the script calls: names, arities, argument kinds,
/// route types, modparams, PVs, and the RPC/stat enumeration for the control plane.</summary>
public sealed class ModuleBindingTests
{
    private static readonly ScriptLoadOptions Options = new() { ModuleAssemblies = [typeof(TestModule).Assembly], LogWriter = TextWriter.Null };

    private static (ScriptLoadResult Result, TestModule? Module, TestConfig Files) Load(string body, string head = "")
    {
        var files = new TestConfig();
        var path = files.Write("kamailio.cfg", "loadmodule \"pv\"\nloadmodule \"testmod\"\n" + head + body);
        var r = ScriptLoader.Load(path, new Dictionary<string, string?>(), Options);
        return (r, r.Script?.Modules["testmod"]?.Instance as TestModule, files);
    }

    private static void Run(ScriptLoadResult r, string message = "")
    {
        var server = new SipServer(new CoreSettings(), r.Router!);
        var sender = new RecordingSender();
        var udp = new Osprey.Transport.ListenEndpoint(Osprey.Transport.SipProtocol.Udp, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 5060));
        server.AttachTransport(sender, [udp]);
        Assert.Empty(r.Router!.Start(server));
        server.OnMessage(new Osprey.Transport.InboundMessage(System.Text.Encoding.UTF8.GetBytes(message.Length > 0 ? message : ScriptHarness.Request()),
            System.Net.IPEndPoint.Parse("127.0.0.1:27462"), udp, 0));
    }

    [Fact]
    public void Arguments_are_converted_by_parameter_type_and_optional_parameters_give_arities()
    {
        var (r, m, f) = Load("""
request_route {
  tm_echo("plain");
  tm_echo("user=$rU from $si");
  $var(n) = 5;
  tm_opt("a");
  tm_opt("b", 3);
  tm_opt("c", "0x10", $var(n));
  tm_fmt("fixed");
  tm_fmt("ru=$ru");
  tm_set("$var(out)");
  tm_echo("$var(out)");
  tm_set($avp(x));
  tm_echo("$avp(x) $tmv(inner)");
  tm_echo("$tmv(key=>$rU)");
  $tmv(w) = "written";
}
""");
        using var _ = f;
        Assert.True(r.Success, string.Join("\n", r.Errors));
        Run(r);
        Assert.Equal(["plain", "user=bob from 127.0.0.1", "a:7:9", "b:3:9", "c:16:5", "const:fixed", "dyn:ru=sip:bob@127.0.0.1:5060",
            "set-by-module", "set-by-module tmv:inner:hi", "tmv:key=>bob:hi", "tmv=written"], m!.Calls);
        Assert.True(m.Initialised);
    }

    [Fact]
    public void Return_codes_drive_conditions_and_zero_ends_the_script_even_inside_if()
    {
        var (r, m, f) = Load("""
request_route {
  if (tm_ret(5)) { tm_echo("positive is true rc=$rc"); }
  if (!tm_ret(-2)) { tm_echo("negative is false rc=$rc"); }
  if (tm_bool(1)) { tm_echo("bool true"); }
  if (!tm_bool(0)) { tm_echo("bool false maps to -1 rc=$rc"); }
  if (tm_ret(0)) { tm_echo("never: then-branch"); } else { tm_echo("never: else-branch"); }
  tm_echo("never: after");
}
""");
        using var _ = f;
        Assert.True(r.Success, string.Join("\n", r.Errors));
        Run(r);
        Assert.Equal(["positive is true rc=5", "negative is false rc=-2", "bool true", "bool false maps to -1 rc=-1"], m!.Calls);
    }

    [Fact]
    public void Modparams_set_typed_properties()
    {
        var (r, m, f) = Load("request_route { tm_echo(\"$tmv(x)\"); }\n",
            "modparam(\"testmod\", \"greeting\", \"hello\")\nmodparam(\"test.*\", \"count\", 3)\nmodparam(\"testmod\", \"enabled\", yes)\n");
        using var _ = f;
        Assert.True(r.Success, string.Join("\n", r.Errors));
        Assert.Equal(("hello", 3, true), (m!.Greeting, m.Count, m.Enabled));
        Run(r);
        Assert.Equal(["tmv:x:hello"], m.Calls);
    }

    [Fact]
    public void Rpc_and_stat_declarations_are_enumerable_with_their_instance()
    {
        var (r, m, f) = Load("request_route { exit; }\n");
        using var _ = f;
        Assert.True(r.Success, string.Join("\n", r.Errors));
        var rpc = Assert.Single(r.Script!.Modules.Rpcs, x => x.Module.Name == "testmod");
        Assert.Equal(("testmod.ping", "answers pong"), (rpc.Rpc.Name, rpc.Rpc.Help));
        Assert.Equal("pong", rpc.Rpc.Method.Invoke(rpc.Module.Instance, null));
        var stat = Assert.Single(r.Script.Modules.Stats, x => x.Module.Name == "testmod");
        Assert.Equal("calls", stat.Stat.Name);
        Assert.Same(m, stat.Module.Instance);
    }

    [Fact]
    public void Module_init_errors_are_reported_by_start()
    {
        var (r, _, f) = Load("request_route { exit; }\n", "modparam(\"testmod\", \"count\", -1)\n");
        using var __ = f;
        Assert.True(r.Success);
        var server = new SipServer(new CoreSettings(), r.Router!);
        Assert.Equal(["testmod: count must not be negative"], r.Router!.Start(server));
    }

    [Fact]
    public void Loadmodule_of_an_assembly_path_loads_a_third_party_module()
    {
        var dll = typeof(TestModule).Assembly.Location;
        using var h = ScriptHarness.Ok($"loadmodule \"xlog\"\nloadmodule \"{dll}\"\nmodparam(\"testmod\", \"greeting\", \"from-dll\")\nrequest_route {{\n  tm_echo(\"$tmv(a)\");\n  xlog(\"L_ERR\", \"$tmv(b)\");\n}}\n");
        Assert.Equal(["tmv:b:from-dll"], h.Run(ScriptHarness.Request()));
        var m = (TestModule)h.Result.Script!.Modules["testmod"]!.Instance;
        Assert.Equal(["tmv:a:from-dll"], m.Calls);
    }

    [Fact]
    public void Missing_module_assembly_is_an_error()
    {
        using var h = ScriptHarness.Compile("loadmodule \"/nonexistent/x.dll\"\nrequest_route { exit; }\n");
        var e = Assert.Single(h.Result.Errors);
        Assert.StartsWith($"{h.Path}:1:1: cannot load module assembly '/nonexistent/x.dll': ", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_lists_functions_for_the_config_check()
    {
        var names = ScriptLoader.AvailableFunctions(Options);
        foreach (var n in new[] { "xlog", "xdbg", "pv_isset", "pv_unset", "setbflag", "append_branch", "forward", "setflag", "tm_echo" }) Assert.Contains(n, names);
    }
}

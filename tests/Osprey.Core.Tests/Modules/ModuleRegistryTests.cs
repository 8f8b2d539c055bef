using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Core.Tests.Modules;

[Module("regtest")]
public sealed class RegistryTestModule : ModuleBase
{
    [ModParam("size")] public int Size { get; set; } = 1;
    [ModParam("name")] public string Name { get; set; } = "";
    [ModParam("on")] public bool On { get; set; }
    [ModParam("big")] public long Big { get; set; }
    [ModParam("list")] public List<string> List { get; } = [];
    [ModParam("mode")] public RegistryMode Mode { get; set; }
    [Stat("hits")] public long Hits;

    [Function("rt_a", RouteTypes.Request)]
    public int A(MessageContext ctx, string x, int y = 2) => 1;

    [Function("rt_b")]
    [Function("rt_b_alias")]
    public int B(MessageContext ctx) => 1;

    [PseudoVar("rtv")] public PvValue Get(MessageContext ctx, string? inner) => PvValue.Null;
    [PseudoVarSetter("rtv")] public void Set(MessageContext ctx, string? inner, PvValue v) { }
    [Rpc("regtest.info", "module info")] public string Info() => "ok";
}

public enum RegistryMode { Off, Fast }

public class ModuleRegistryTests
{
    private static ModuleDescriptor Descriptor() => Assert.Single(new ModuleRegistry([typeof(RegistryTestModule).Assembly]).Find("regtest"));

    [Fact]
    public void Reads_every_declaration_once()
    {
        var d = Descriptor();
        var a = Assert.Single(d.Functions, f => f.Name == "rt_a");
        Assert.Equal((1, 2, RouteTypes.Request), (a.MinArity, a.MaxArity, a.Routes));
        Assert.Contains(d.Functions, f => f.Name == "rt_b_alias");
        Assert.Equal(["size", "name", "on", "big", "list", "mode"], d.Parameters.Select(p => p.Name));
        var pv = Assert.Single(d.PseudoVariables);
        Assert.NotNull(pv.Setter);
        Assert.Equal("regtest.info", Assert.Single(d.Rpcs).Name);
        Assert.Equal("hits", Assert.Single(d.Stats).Name);
        Assert.Contains("rt_a", new ModuleRegistry([typeof(RegistryTestModule).Assembly]).FunctionNames());
    }

    [Fact]
    public void Modparam_values_are_converted_or_rejected_with_a_message()
    {
        var d = Descriptor();
        var m = (RegistryTestModule)d.CreateInstance();
        ModuleParamExport P(string n) => d.Parameters.Single(p => p.Name == n);
        Assert.Null(ModuleSet.SetParameter(m, P("size"), PvValue.FromInt(7)));
        Assert.Null(ModuleSet.SetParameter(m, P("name"), PvValue.FromString("x")));
        Assert.Null(ModuleSet.SetParameter(m, P("on"), PvValue.FromInt(1)));
        Assert.Null(ModuleSet.SetParameter(m, P("big"), PvValue.FromString("5000000000")));
        Assert.Null(ModuleSet.SetParameter(m, P("list"), PvValue.FromString("a")));
        Assert.Null(ModuleSet.SetParameter(m, P("list"), PvValue.FromString("b")));
        Assert.Null(ModuleSet.SetParameter(m, P("mode"), PvValue.FromString("fast")));
        Assert.Equal((7, "x", true, 5000000000L, RegistryMode.Fast), (m.Size, m.Name, m.On, m.Big, m.Mode));
        Assert.Equal(["a", "b"], m.List);
        Assert.Equal("modparam: parameter 'size' of module 'regtest' takes an integer, not \"lots\"", ModuleSet.SetParameter(m, P("size"), PvValue.FromString("lots")));
        Assert.Equal("modparam: value 5000000000 of parameter 'size' of module 'regtest' is out of range", ModuleSet.SetParameter(m, P("size"), PvValue.FromInt(5000000000)));
        Assert.Equal("modparam: parameter 'mode' of module 'regtest' takes one of Off, Fast, not slow", ModuleSet.SetParameter(m, P("mode"), PvValue.FromString("slow")));
    }

    [Fact]
    public void Missing_assembly_is_an_error_value()
    {
        var r = new ModuleRegistry([]);
        var names = r.LoadAssembly("/nonexistent/mod.dll", out var error);
        Assert.Empty(names);
        Assert.StartsWith("cannot load module assembly '/nonexistent/mod.dll'", error, StringComparison.Ordinal);
    }
}

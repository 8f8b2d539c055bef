using Osprey.Core.Modules;
using Osprey.Core.Pipeline;

namespace Osprey.Script.Tests.Runtime;

/// <summary>A module written the way module authors write them, to test binding conventions.</summary>
[Module("testmod")]
public sealed class TestModule : ModuleBase
{
    [ModParam("greeting")] public string Greeting { get; set; } = "hi";
    [ModParam("count")] public int Count { get; set; }
    [ModParam("enabled")] public bool Enabled { get; set; }

    public List<string> Calls { get; } = [];
    public bool Initialised { get; private set; }

    [Stat("calls")] public long CallsStat { get; set; }

    public override string? Init()
    {
        Initialised = true;
        return Count < 0 ? "count must not be negative" : null;
    }

    [Function("tm_echo")]
    public int Echo(MessageContext ctx, string text)
    {
        Calls.Add(text);
        CallsStat++;
        return 1;
    }

    [Function("tm_ret", RouteTypes.Request | RouteTypes.Failure)]
    public int Ret(MessageContext ctx, int value) => value;

    [Function("tm_opt")]
    public int Optional(MessageContext ctx, string a, int b = 7, long c = 9)
    {
        Calls.Add(a + ":" + b + ":" + c);
        return 1;
    }

    [Function("tm_set")]
    public int SetPv(MessageContext ctx, ScriptPv target) => target.Set(ctx, PvValue.FromString("set-by-module")) ? 1 : -1;

    [Function("tm_fmt")]
    public int Format(MessageContext ctx, ScriptFormat f)
    {
        Calls.Add((f.IsConstant ? "const:" : "dyn:") + f.Format(ctx));
        return 1;
    }

    [Function("tm_bool")]
    public bool Flag(MessageContext ctx, bool on) => on;

    [Function("tm_failonly", RouteTypes.Failure)]
    public int FailureOnly(MessageContext ctx) => 1;

    [PseudoVar("tmv")]
    public PvValue Get(MessageContext ctx, string? inner) => PvValue.FromString("tmv:" + inner + ":" + Greeting);

    [PseudoVarSetter("tmv")]
    public void Set(MessageContext ctx, string? inner, PvValue value) => Calls.Add("tmv=" + value);

    [Rpc("testmod.ping", "answers pong")]
    public string Ping() => "pong";
}

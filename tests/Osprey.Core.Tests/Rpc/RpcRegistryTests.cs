using System.Text;
using System.Text.Json;
using Osprey.Core.Modules;
using Osprey.Core.Rpc;

namespace Osprey.Core.Tests.Rpc;

public sealed class RpcRegistryTests
{
    private static JsonElement Run(RpcRegistry r, string method, params RpcParam[] ps)
    {
        using var ms = new MemoryStream();
        var req = $"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"params\":{JsonSerializer.Serialize(ps.Select(p => (object?)(p.Kind switch { RpcParamKind.Int => p.Integer, RpcParamKind.String => p.Text, _ => null })).ToArray())},\"id\":1}}";
        Assert.True(JsonRpcDispatcher.Handle(r, Encoding.UTF8.GetBytes(req), ms, pretty: false));
        using var doc = JsonDocument.Parse(ms.ToArray());
        return doc.RootElement.Clone();
    }

    [Fact]
    public void One_top_level_value_is_the_result_several_become_an_array()
    {
        var r = new RpcRegistry();
        r.Register("one", "", rpc => rpc.Add("x"));
        r.Register("two", "", rpc => { rpc.Add("x"); rpc.Add(2); });
        r.Register("structs", "", rpc => { using (var a = rpc.Struct()) a.Add("a", 1); using (var b = rpc.Struct()) b.Add("b", 2); });
        r.Register("none", "", _ => { });
        Assert.Equal("x", Run(r, "one").GetProperty("result").GetString());
        Assert.Equal("[\"x\",2]", Run(r, "two").GetProperty("result").GetRawText());
        Assert.Equal("[{\"a\":1},{\"b\":2}]", Run(r, "structs").GetProperty("result").GetRawText());
        Assert.Equal(JsonValueKind.Null, Run(r, "none").GetProperty("result").ValueKind);
    }

    [Fact]
    public void Nested_structs_and_arrays_keep_their_shape()
    {
        var r = new RpcRegistry();
        r.Register("nested", "", rpc =>
        {
            using var top = rpc.Struct();
            top.Add("name", "t").Add("ok", true).Add("q", 0.5).Add("none", (string?)null);
            using (var a = top.Array("items"))
            {
                a.Add(1).Add("two");
                using var s = a.Struct();
                s.Add("k", "v");
            }
            top.AddValue("map", new Dictionary<string, int> { ["a"] = 1 });
        });
        Assert.Equal("{\"name\":\"t\",\"ok\":true,\"q\":0.5,\"none\":null,\"items\":[1,\"two\",{\"k\":\"v\"}],\"map\":{\"a\":1}}",
            Run(r, "nested").GetProperty("result").GetRawText());
    }

    [Fact]
    public void A_first_value_larger_than_the_lookahead_streams_as_a_single_result()
    {
        var r = new RpcRegistry();
        r.Register("big", "", rpc =>
        {
            using var a = rpc.Array();
            for (int i = 0; i < JsonRpcResponseWriter.LookaheadLimit * 3; i++)
                a.Add(i);
        });
        var result = Run(r, "big").GetProperty("result");
        Assert.Equal(JsonRpcResponseWriter.LookaheadLimit * 3, result.GetArrayLength());
    }

    [Fact]
    public void Handler_mistakes_and_faults_become_error_answers()
    {
        var r = new RpcRegistry();
        r.Register("unnamed", "", rpc => { using var s = rpc.Struct(); s.Add(null!, 1); });
        r.Register("parent", "", rpc => { var s = rpc.Struct(); _ = s.Struct("child"); s.Add("x", 1); });
        r.Register("fault", "", rpc => rpc.Fault(404, "no such AOR"));
        r.Register("throwfault", "", _ => throw new RpcFaultException(400, "bad table"));
        r.Register("late", "", rpc => { rpc.Add("partial"); rpc.Fault(500, "failed later"); });
        Assert.Equal(RpcErrorCodes.InternalError, Run(r, "unnamed").GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InternalError, Run(r, "parent").GetProperty("error").GetProperty("code").GetInt32());
        var f = Run(r, "fault").GetProperty("error");
        Assert.Equal(404, f.GetProperty("code").GetInt32());
        Assert.Equal("no such AOR", f.GetProperty("message").GetString());
        Assert.Equal(400, Run(r, "throwfault").GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(500, Run(r, "late").GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Typed_parameters_convert_or_fault_with_invalid_params()
    {
        var r = new RpcRegistry();
        r.Register("ints", "", rpc => rpc.Add(rpc.GetInt(0) + rpc.OptInt(1, 100)));
        Assert.Equal(105, Run(r, "ints", RpcParam.FromInt(5)).GetProperty("result").GetInt32());
        Assert.Equal(7, Run(r, "ints", RpcParam.FromString("3"), RpcParam.FromInt(4)).GetProperty("result").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, Run(r, "ints", RpcParam.FromString("three")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(RpcErrorCodes.InvalidParams, Run(r, "ints").GetProperty("error").GetProperty("code").GetInt32());
    }

    [Module("demo")]
    private sealed class DemoModule : ModuleBase
    {
        [Rpc("demo.stats", "counters")]
        public void Stats(IRpcContext rpc)
        {
            using var s = rpc.Struct();
            s.Add("current", 3);
        }

        [Rpc("demo.sum", "adds")]
        public long Sum(long a, long b = 10) => a + b;

        [Rpc("demo.info", "an object")]
        public object Info() => new { Name = "demo", Tables = new[] { "location" } };
    }

    [Fact]
    public void Rpc_attributed_module_methods_are_registered()
    {
        var r = new RpcRegistry();
        Assert.Equal(3, r.RegisterModule(new DemoModule()));
        Assert.True(r.TryGet("demo.sum", out var sum));
        Assert.Equal("demo", sum.Module);
        Assert.Equal("a:int [b:int]", sum.Parameters);
        Assert.Equal(3, Run(r, "demo.stats").GetProperty("result").GetProperty("current").GetInt32());
        Assert.Equal(11, Run(r, "demo.sum", RpcParam.FromInt(1)).GetProperty("result").GetInt32());
        Assert.Equal("{\"Name\":\"demo\",\"Tables\":[\"location\"]}", Run(r, "demo.info").GetProperty("result").GetRawText());
        Assert.Throws<InvalidOperationException>(() => r.RegisterModule(new DemoModule()));
    }

    [Fact]
    public void Commands_are_listed_sorted()
    {
        var r = new RpcRegistry();
        r.Register("b.x", "", _ => { });
        r.Register("a.y", "", _ => { });
        r.Register("A.z", "", _ => { });
        Assert.Equal(["A.z", "a.y", "b.x"], r.Commands.Select(c => c.Name));
    }
}

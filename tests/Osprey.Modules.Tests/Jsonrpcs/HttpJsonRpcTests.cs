using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Osprey.Core.Rpc;
using Osprey.Modules.Tests.Rpc;

namespace Osprey.Modules.Tests.Jsonrpcs;

public sealed class HttpJsonRpcTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    private static async Task<JsonElement> Call(ControlTestServer s, string body)
    {
        using var resp = await Http.PostAsync(s.RpcUri, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        string text = await resp.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement.Clone();
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        return root;
    }

    private static int ErrorCode(JsonElement r) => r.GetProperty("error").GetProperty("code").GetInt32();

    [Fact]
    public async Task Every_registered_command_answers_a_valid_JSON_RPC_response()
    {
        await using var s = await ControlTestServer.StartAsync();
        int id = 0;
        foreach (var c in s.Registry.Commands)
        {
            // Commands that need a parameter get a sensible one.
            string ps = c.Name switch
            {
                "system.methodHelp" or "system.methodSignature" => "[\"core.uptime\"]",
                "stats.get_statistics" or "stats.clear_statistics" or "stats.reset_statistics" or "stats.fetch" or "stats.fetchn" => "[\"all\"]",
                "cnt.var_list" or "cnt.grp_get_all" => "[\"core\"]",
                "cnt.get" or "cnt.reset" => "[\"core\", \"rcv_requests\"]",
                "test.add" => "[1, 2]",
                "test.greet" => "[\"x\"]",
                "test.dump" => "[3]",
                _ => "[]",
            };
            var r = await Call(s, $"{{\"jsonrpc\":\"2.0\",\"method\":\"{c.Name}\",\"params\":{ps},\"id\":{++id}}}");
            Assert.True(r.TryGetProperty("result", out _), c.Name + ": " + r);
            Assert.False(r.TryGetProperty("error", out _), c.Name + ": " + r);
            Assert.Equal(id, r.GetProperty("id").GetInt32());
        }
        Assert.True(id >= 14, "core commands registered: " + id);
    }

    [Fact]
    public async Task Core_results_have_Kamailio_shapes()
    {
        await using var s = await ControlTestServer.StartAsync();
        var up = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"core.uptime\",\"id\":1}")).GetProperty("result");
        Assert.Equal(JsonValueKind.Number, up.GetProperty("uptime").ValueKind);
        Assert.Equal(JsonValueKind.String, up.GetProperty("now").ValueKind);
        Assert.Equal(JsonValueKind.String, up.GetProperty("up_since").ValueKind);
        var ver = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":\"v\"}"));
        Assert.StartsWith("osprey ", ver.GetProperty("result").GetString());
        Assert.Equal("v", ver.GetProperty("id").GetString());
        var stats = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"stats.get_statistics\",\"params\":[\"core:\"],\"id\":1}")).GetProperty("result");
        Assert.Equal(JsonValueKind.Array, stats.ValueKind);
        Assert.Contains(stats.EnumerateArray(), e => e.GetString() == "core:rcv_requests = 0");
        var psx = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"core.psx\",\"id\":1}")).GetProperty("result");
        Assert.Equal(JsonValueKind.Array, psx.ValueKind);
        Assert.Equal(Environment.ProcessId, psx[0].GetProperty("PID").GetInt32());
        var shm = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"core.shmmem\",\"params\":[\"k\"],\"id\":1}")).GetProperty("result");
        foreach (var k in new[] { "total", "free", "used", "real_used", "max_used", "fragments" })
            Assert.Equal(JsonValueKind.Number, shm.GetProperty(k).ValueKind);
        var methods = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"system.listMethods\",\"id\":1}")).GetProperty("result");
        Assert.Contains(methods.EnumerateArray(), e => e.GetString() == "stats.get_statistics");
        var sockets = (await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"core.sockets_list\",\"id\":1}")).GetProperty("result");
        Assert.Equal("udp", sockets.GetProperty("socket").GetProperty("proto").GetString());
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"core.uptime\",\"id\":1", RpcErrorCodes.ParseError)]
    [InlineData("not json at all", RpcErrorCodes.ParseError)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"1.0\",\"method\":\"core.uptime\",\"id\":1}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":7,\"id\":1}", RpcErrorCodes.InvalidRequest)]
    [InlineData("[1,2]", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"core.uptime\",\"params\":3,\"id\":1}", RpcErrorCodes.InvalidRequest)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"no.such.method\",\"id\":1}", RpcErrorCodes.MethodNotFound)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"core.shmmem\",\"params\":[{\"a\":1}],\"id\":1}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"core.shmmem\",\"params\":[\"x\"],\"id\":1}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"system.methodHelp\",\"id\":1}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"test.add\",\"params\":[\"one\",2],\"id\":1}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"test.add\",\"params\":{\"a\":1},\"id\":1}", RpcErrorCodes.InvalidParams)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"test.boom\",\"id\":1}", RpcErrorCodes.InternalError)]
    public async Task Bad_requests_get_the_right_error_code(string body, int code)
    {
        await using var s = await ControlTestServer.StartAsync(TestCommands.Register);
        var r = await Call(s, body);
        Assert.Equal(code, ErrorCode(r));
        Assert.False(r.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Simple_signature_methods_bind_parameters_and_return_values()
    {
        await using var s = await ControlTestServer.StartAsync(TestCommands.Register);
        var r = await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"test.add\",\"params\":[2,\"40\"],\"id\":1}");
        Assert.Equal(42, r.GetProperty("result").GetInt32());
        r = await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"test.greet\",\"params\":[\"bob\"],\"id\":1}");
        Assert.Equal("hello bob!", r.GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_large_result_streams_as_one_valid_document()
    {
        await using var s = await ControlTestServer.StartAsync(TestCommands.Register);
        using var req = new HttpRequestMessage(HttpMethod.Post, s.RpcUri) { Content = new StringContent("{\"jsonrpc\":\"2.0\",\"method\":\"test.dump\",\"params\":[200000],\"id\":9}") };
        using var resp = await Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await resp.Content.ReadAsStreamAsync();
        using var doc = await JsonDocument.ParseAsync(body);
        var contacts = doc.RootElement.GetProperty("result").GetProperty("Contacts");
        Assert.Equal(200000, contacts.GetArrayLength());
        Assert.Equal("sip:u199999@127.0.0.1", contacts[199999].GetProperty("Contact").GetString());
        Assert.Null(resp.Content.Headers.ContentLength); // chunked, not buffered
    }

    [Fact]
    public async Task A_100_MB_body_is_refused_early_and_SIP_keeps_working()
    {
        await using var s = await ControlTestServer.StartAsync();
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await c.ConnectAsync(s.Plane.HttpEndPoint!);
        string head = $"POST /RPC HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {100L * 1024 * 1024}\r\n\r\n";
        await c.SendAsync(Encoding.ASCII.GetBytes(head));
        await c.SendAsync(new byte[64 * 1024]); // the start of the body; the rest never comes
        var buf = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await c.ReceiveAsync(buf, SocketFlags.None, cts.Token);
        string answer = Encoding.ASCII.GetString(buf, 0, n);
        Assert.StartsWith("HTTP/1.1 413", answer);
        Assert.Contains("SIP/2.0 200", s.SendOptions(1));
        var r = await Call(s, "{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":1}");
        Assert.True(r.TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Http_is_bound_to_loopback_and_other_paths_are_404()
    {
        await using var s = await ControlTestServer.StartAsync();
        Assert.Equal(IPAddress.Loopback, s.Plane.HttpEndPoint!.Address);
        using var resp = await Http.GetAsync(new Uri("http://" + s.Plane.HttpEndPoint + "/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
        using var get = await Http.GetAsync(s.RpcUri);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task Curl_calls_work()
    {
        string curl = ExternalTool.Require("curl", "curl");
        await using var s = await ControlTestServer.StartAsync();
        var (exit, output, err) = await ExternalTool.RunAsync(curl, ["-sS", "--max-time", "10", "-H", "Content-Type: application/json", "-d", "{\"jsonrpc\":\"2.0\",\"method\":\"core.uptime\",\"id\":1}", s.RpcUri.ToString()], TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("result").GetProperty("uptime").GetInt64() >= 0);
    }
}

/// <summary>Commands the tests register besides the core ones.</summary>
internal sealed class TestCommands
{
    public static void Register(RpcRegistry r)
    {
        r.RegisterModule(new TestCommands());
        r.Register("test.boom", "throws", _ => throw new InvalidOperationException("bug"));
        r.Register("test.dump", "a large result", rpc =>
        {
            int n = rpc.GetInt(0);
            using var top = rpc.Struct();
            using var a = top.Array("Contacts");
            for (int i = 0; i < n; i++)
            {
                using var c = a.Struct();
                c.Add("Contact", "sip:u" + i + "@127.0.0.1").Add("Expires", 3600).Add("Q", 0.5);
            }
        });
    }

    [Osprey.Core.Modules.Rpc("test.add", "adds two integers")]
    public int Add(int a, int b) => a + b;

    [Osprey.Core.Modules.Rpc("test.greet", "greets")]
    public string Greet(string name, string suffix = "!") => "hello " + name + suffix;
}

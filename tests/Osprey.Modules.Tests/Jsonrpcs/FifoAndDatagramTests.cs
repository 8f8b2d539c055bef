using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Osprey.Core.Rpc;
using Osprey.Modules.Tests.Ctl;
using Osprey.Modules.Tests.Rpc;

namespace Osprey.Modules.Tests.Jsonrpcs;

public sealed class FifoAndDatagramTests
{
    private static async Task<JsonElement> FifoCall(string fifo, string replyDir, string request, string replyName)
    {
        string replyPath = Path.Combine(replyDir, replyName);
        var (exit, _, err) = await ExternalTool.RunAsync("mkfifo", [replyPath], TimeSpan.FromSeconds(5));
        Assert.True(exit == 0, err);
        // Open the reply FIFO for reading first (as kamctl's background cat does), then send.
        var read = Task.Run(() => File.ReadAllText(replyPath));
        await File.AppendAllTextAsync(fifo, request);
        string text = await read.WaitAsync(TimeSpan.FromSeconds(10));
        File.Delete(replyPath);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Fifo_requests_are_answered_on_the_named_reply_fifo()
    {
        await using var s = await ControlTestServer.StartAsync();
        var r = await FifoCall(s.Fifo, s.Dir, "{\"jsonrpc\": \"2.0\", \"method\": \"core.uptime\", \"reply_name\": \"r1\", \"id\": 42}\n", "r1");
        Assert.Equal(42, r.GetProperty("id").GetInt32());
        Assert.True(r.GetProperty("result").GetProperty("uptime").GetInt64() >= 0);
        // Several lines, as kamctl's monitor writes them.
        r = await FifoCall(s.Fifo, s.Dir, "{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"no.such\",\n  \"reply_name\": \"r2\",\n  \"id\": 7\n}\n", "r2");
        Assert.Equal(RpcErrorCodes.MethodNotFound, r.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Kamctl_talks_to_Osprey_over_the_fifo()
    {
        string kamctl = ExternalTool.Require("kamctl", "kamailio");
        await using var s = await ControlTestServer.StartAsync();
        // kamctl makes its reply FIFO in /tmp; the server's reply directory must be the same.
        await using var plane = await Osprey.Modules.Xhttp.ControlPlane.StartAsync(s.Server, new Osprey.Modules.Xhttp.ControlSettings
        {
            FifoName = Path.Combine(s.Dir, "kamctl.fifo"),
            FifoReplyDir = "/tmp/",
        }, s.Registry);
        var env = new Dictionary<string, string> { ["RPCFIFOPATH"] = Path.Combine(s.Dir, "kamctl.fifo") };
        var (exit, output, err) = await ExternalTool.RunAsync(kamctl, ["uptime"], TimeSpan.FromSeconds(30), env);
        Assert.True(exit == 0, output + err);
        Assert.Contains("\"uptime\"", output);
        (exit, output, err) = await ExternalTool.RunAsync(kamctl, ["rpc", "stats.get_statistics", "core:"], TimeSpan.FromSeconds(30), env);
        Assert.True(exit == 0, output + err);
        Assert.Contains("core:rcv_requests = ", output);
    }

    [Fact]
    public async Task Kamctl_monitor_shows_Osprey()
    {
        string kamctl = ExternalTool.Require("kamctl", "kamailio");
        await using var s = await ControlTestServer.StartAsync();
        s.SendOptions(1);
        await using var plane = await Osprey.Modules.Xhttp.ControlPlane.StartAsync(s.Server, new Osprey.Modules.Xhttp.ControlSettings
        {
            FifoName = Path.Combine(s.Dir, "kamctl.fifo"),
            FifoReplyDir = "/tmp/",
        }, s.Registry);
        var env = new Dictionary<string, string> { ["RPCFIFOPATH"] = Path.Combine(s.Dir, "kamctl.fifo"), ["TERM"] = "dumb" };
        var (exit, output, err) = await ExternalTool.RunAsync(kamctl, ["monitor", "1"], TimeSpan.FromSeconds(60), env);
        Assert.True(exit == 0, output + err);
        Assert.Contains("osprey ", output);
        Assert.Contains("uptime:", output);
        Assert.Contains("core:rcv_requests = 1", output);
        Assert.Contains("shmem:real_used_size = ", output);
    }

    [Fact]
    public async Task Datagram_requests_are_answered_to_the_sender()
    {
        await using var s = await ControlTestServer.StartAsync();
        string me = Path.Combine(s.Dir, "client.sock");
        using var c = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        c.Bind(new UnixDomainSocketEndPoint(me));
        await c.SendToAsync(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":3}"), SocketFlags.None, new UnixDomainSocketEndPoint(s.Dgram));
        var buf = new byte[65536];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await c.ReceiveAsync(buf, SocketFlags.None, cts.Token);
        using var doc = JsonDocument.Parse(buf.AsMemory(0, n));
        Assert.StartsWith("osprey ", doc.RootElement.GetProperty("result").GetString());
        await c.SendToAsync("{oops"u8.ToArray(), SocketFlags.None, new UnixDomainSocketEndPoint(s.Dgram));
        n = await c.ReceiveAsync(buf, SocketFlags.None, cts.Token);
        using var bad = JsonDocument.Parse(buf.AsMemory(0, n));
        Assert.Equal(RpcErrorCodes.ParseError, bad.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }
}

using System.Text;
using System.Text.Json;
using Osprey.Modules.Ctl;
using Osprey.Modules.Jsonrpcs;
using Osprey.Modules.Xhttp;
using Osprey.Modules.XhttpProm;

namespace Osprey.Modules.Tests.Rpc;

public sealed class ControlSettingsTests
{
    [Fact]
    public void Settings_follow_the_loaded_modules_modparams()
    {
        var j = new JsonrpcsModule { Transport = 2, FifoName = "/tmp/x.fifo", PrettyFormat = 0 };
        var c = new CtlModule();
        c.Binrpc = "unix:/tmp/a.sock";
        c.Binrpc = "tcp:127.0.0.1:2049";
        var x = new XhttpModule { Port = 8080 };
        var p = new XhttpPromModule();
        Assert.Null(j.Init());
        Assert.Null(c.Init());
        Assert.Null(x.Init());
        var s = ControlSettings.FromModules([j, c, x, p]);
        Assert.Equal("/tmp/x.fifo", s.FifoName);
        Assert.Null(s.DgramSocket); // transport 2: FIFO only
        Assert.False(s.PrettyFormat);
        Assert.Equal(["unix:/tmp/a.sock", "tcp:127.0.0.1:2049"], s.CtlSockets);
        Assert.Equal(8080, s.HttpPort);
        Assert.Equal(System.Net.IPAddress.Loopback, s.HttpAddress);
        Assert.Same(p, s.Prometheus);
        Assert.Null(s.RpcPath); // jsonrpcs transport 2 has no HTTP
        j.Transport = 7;
        Assert.Equal("/RPC", ControlSettings.FromModules([j, x]).RpcPath);
        Assert.NotNull(ControlSettings.FromModules([j, x]).DgramSocket);

        var none = ControlSettings.FromModules([]);
        Assert.Null(none.HttpPort);
        Assert.Null(none.FifoName);
        Assert.Empty(none.CtlSockets);
    }

    [Fact]
    public void Bad_modparams_are_errors_a_user_can_act_on()
    {
        var c = new CtlModule();
        c.Binrpc = "sctp:1.2.3.4:5";
        Assert.Contains("unknown transport", c.Init());
        Assert.Contains("between 0 and 7", new JsonrpcsModule { Transport = 9 }.Init());
        Assert.Contains("octal", new JsonrpcsModule { FifoMode = "rw" }.Init());
        Assert.Contains("rpc_path", new XhttpModule { RpcPath = "RPC" }.Init());
    }

    [Fact]
    public async Task Rpc_calls_during_SIP_traffic_neither_block_nor_lose_messages()
    {
        await using var s = await ControlTestServer.StartAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var rpc = Task.Run(async () =>
        {
            for (int i = 0; i < 40; i++)
            {
                using var resp = await http.PostAsync(s.RpcUri, new StringContent("{\"jsonrpc\":\"2.0\",\"method\":\"stats.get_statistics\",\"params\":[\"all\"],\"id\":1}", Encoding.UTF8));
                using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
                Assert.True(doc.RootElement.GetProperty("result").GetArrayLength() > 50);
            }
        });
        for (int i = 0; i < 100; i++)
            Assert.Contains("SIP/2.0 200", s.SendOptions(1000 + i));
        await rpc.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(s.Server.Statistics.TryGet("core:rcv_requests", out var st));
        Assert.Equal(100, st.Read());
    }

    [Fact]
    public void A_non_loopback_http_listener_needs_an_allow_list_and_enforces_it()
    {
        var open = new XhttpModule { Address = "0.0.0.0" };
        Assert.Contains("allow", open.Init());
        Assert.Contains("not an address", new XhttpModule { Address = "0.0.0.0", Allow = "10.0.0.0/8, nonsense" }.Init());
        Assert.Contains("IP address", new XhttpModule { Address = "localhost" }.Init());

        var x = new XhttpModule { Address = "0.0.0.0", Allow = "10.0.0.0/8, 192.0.2.7" };
        Assert.Null(x.Init());
        var s = ControlSettings.FromModules([x]);
        Assert.Equal(System.Net.IPAddress.Any, s.HttpAddress);
        Assert.True(ControlPlane.Allowed(s, System.Net.IPAddress.Parse("10.20.30.40")));
        Assert.True(ControlPlane.Allowed(s, System.Net.IPAddress.Parse("192.0.2.7")));
        Assert.True(ControlPlane.Allowed(s, System.Net.IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.True(ControlPlane.Allowed(s, System.Net.IPAddress.Loopback));
        Assert.False(ControlPlane.Allowed(s, System.Net.IPAddress.Parse("192.0.2.8")));
        Assert.False(ControlPlane.Allowed(s, System.Net.IPAddress.Parse("11.0.0.1")));
        Assert.False(ControlPlane.Allowed(s, null));
        // The default listener is loopback only: nobody else is allowed.
        Assert.False(ControlPlane.Allowed(new ControlSettings(), System.Net.IPAddress.Parse("10.0.0.1")));
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Osprey.Core;
using Osprey.Core.Dns;
using Osprey.Core.Pipeline;
using Osprey.Core.Routing;
using Osprey.Core.Rpc;
using Osprey.Transport;

namespace Osprey.Modules.Tests.Rpc;

public sealed class DnsRpcTests
{
    private static JsonElement Call(RpcRegistry r, string method)
    {
        using var ms = new MemoryStream();
        JsonRpcDispatcher.Handle(r, Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"" + method + "\",\"id\":1}"), ms, false);
        using var doc = JsonDocument.Parse(ms.ToArray());
        return doc.RootElement.GetProperty("result").Clone();
    }

    [Fact]
    public void The_destination_blocklist_is_listed_and_emptied()
    {
        var settings = new CoreSettings { Dns = new DnsOptions { UseDstBlocklist = true } };
        var server = new SipServer(settings, new DefaultRouter());
        var registry = new RpcRegistry();
        CoreRpcCommands.Register(registry, server);
        Assert.True(server.Dns.Blocklist.Add(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5060), BlocklistReason.Administrative, TimeSpan.FromMinutes(1)));
        var view = Call(registry, "dst_blocklist.view");
        Assert.Equal("192.0.2.7", view.GetProperty("ip").GetString());
        Assert.Equal(5060, view.GetProperty("port").GetInt32());
        Assert.Equal("udp", view.GetProperty("protocol").GetString());
        Assert.True(view.GetProperty("expires").GetInt32() > 0);
        Call(registry, "dst_blocklist.delete_all");
        Assert.Equal(JsonValueKind.Null, Call(registry, "dst_blocklist.view").ValueKind);
        Assert.Equal(JsonValueKind.Null, Call(registry, "dns.view").ValueKind); // nothing resolved yet
    }
}

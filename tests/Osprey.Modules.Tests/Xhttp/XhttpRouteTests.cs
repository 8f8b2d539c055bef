using System.Net;
using System.Text;
using System.Text.Json;
using Osprey.Modules.Jsonrpcs;
using Osprey.Modules.Tests.Rpc;
using Osprey.Modules.Xhttp;

namespace Osprey.Modules.Tests.Xhttp;

/// <summary>
/// HTTP through <c>event_route[xhttp:request]</c>. The route here is a C# stand-in for the compiled
/// script Kamailio's default config has:
/// <c>if ($hu =~ "^/RPC") jsonrpc_dispatch(); else if ($hu =~ "^/metrics") prom_dispatch(); else xhttp_reply(...)</c>.
/// </summary>
public sealed class XhttpRouteTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    private static Task<ControlTestServer> Start(List<XhttpExchange> seen) => ControlTestServer.StartAsync(configure: (settings, prom) =>
    {
        var xhttp = new XhttpModule();
        var jsonrpcs = new JsonrpcsModule();
        settings.XhttpRoute = x =>
        {
            lock (seen)
                seen.Add(x);
            string hu = xhttp.Hu(null!, null).Str;
            if (hu.StartsWith("/RPC", StringComparison.Ordinal))
                jsonrpcs.JsonrpcDispatch(null!);
            else if (hu.StartsWith("/metrics", StringComparison.Ordinal))
                prom.PromDispatch(null!);
            else if (hu != "/silent")
                xhttp.XhttpReply(null!, 200, "OK", "text/html", "<html><body>Wrong URL " + hu + "</body></html>");
        };
    });

    [Fact]
    public async Task The_script_route_answers_rpc_metrics_and_other_urls()
    {
        var seen = new List<XhttpExchange>();
        await using var s = await Start(seen);
        using (var resp = await Http.PostAsync(s.RpcUri, new StringContent("{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":5}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
            Assert.StartsWith("osprey ", doc.RootElement.GetProperty("result").GetString());
        }
        using (var resp = await Http.GetAsync(s.MetricsUri))
        {
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Contains("osprey_core_rcv_requests ", await resp.Content.ReadAsStringAsync());
        }
        using (var resp = await Http.GetAsync(new Uri("http://" + s.Plane.HttpEndPoint + "/other?x=1")))
        {
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Equal("text/html", resp.Content.Headers.ContentType!.MediaType);
            Assert.Equal("<html><body>Wrong URL /other?x=1</body></html>", await resp.Content.ReadAsStringAsync());
        }
        using (var resp = await Http.GetAsync(new Uri("http://" + s.Plane.HttpEndPoint + "/silent")))
            Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);

        var rpc = seen[0];
        Assert.Equal("POST", rpc.Method);
        Assert.Equal("/RPC", rpc.Url);
        string message = Encoding.UTF8.GetString(rpc.ToMessageBytes());
        Assert.StartsWith("POST /RPC HTTP/1.1\r\n", message);
        Assert.EndsWith("\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":5}", message);
        Assert.Contains("Content-Type: application/json", message);
        Assert.Equal(IPAddress.Loopback, rpc.Remote!.Address);
    }

    [Fact]
    public void Xhttp_functions_outside_an_http_request_return_false()
    {
        Assert.Equal(-1, new XhttpModule().XhttpReply(null!, 200, "OK", "text/plain", "x"));
        Assert.True(new XhttpModule().Hu(null!, null).IsNull);
        Assert.Equal(-1, new JsonrpcsModule().JsonrpcDispatch(null!));
        Assert.Equal(-1, new Osprey.Modules.XhttpProm.XhttpPromModule().PromDispatch(null!));
    }
}

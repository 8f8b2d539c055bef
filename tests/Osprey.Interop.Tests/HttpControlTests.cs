using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Osprey.Interop.Tests.Support;

namespace Osprey.Interop.Tests;

/// <summary>
/// The osprey executable's HTTP control listener with a kamailio.cfg that loads the control modules:
/// every registered JSON-RPC command answers valid JSON-RPC 2.0, errors have the right codes, a huge body
/// is refused while SIP keeps working, and event_route[xhttp:request] runs from the compiled script.
/// </summary>
public sealed class HttpControlTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-http-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private OspreyProcess Start(int httpPort, string extra)
    {
        string cfg = Path.Combine(_dir, "osprey.cfg");
        File.WriteAllText(cfg, $$"""
            #!KAMAILIO
            debug=1
            log_stderror=yes
            loadmodule "kex.so"
            loadmodule "corex.so"
            loadmodule "tm.so"
            loadmodule "tmx.so"
            loadmodule "sl.so"
            loadmodule "pv.so"
            loadmodule "textops.so"
            loadmodule "usrloc.so"
            loadmodule "registrar.so"
            loadmodule "statistics.so"
            loadmodule "xhttp.so"
            loadmodule "jsonrpcs.so"
            loadmodule "xhttp_prom.so"
            loadmodule "ctl.so"
            modparam("xhttp", "port", {{httpPort}})
            modparam("jsonrpcs", "transport", 1)
            modparam("ctl", "binrpc", "unix:{{_dir}}/ctl.sock")
            modparam("statistics", "variable", "script:calls")
            request_route {
                if (is_method("REGISTER")) { save("location"); exit; }
                sl_send_reply("200", "OK");
                exit;
            }
            {{extra}}
            """);
        var osprey = OspreyProcess.Start("-f", cfg);
        osprey.WaitFor(() => OspreyProcess.Accepts(httpPort), "the HTTP control listener");
        return osprey;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Post(int port, string body)
    {
        using var resp = await Http.PostAsync(new Uri($"http://127.0.0.1:{port}/RPC"), new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await resp.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return (resp.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>A JSON-RPC 2.0 response (§5): "jsonrpc": "2.0", the request's id, exactly one of result and
    /// error, and an error with an integer code and a string message.</summary>
    private static void AssertValidResponse(string what, int id, HttpStatusCode status, JsonElement r)
    {
        Assert.True(status == HttpStatusCode.OK, what + ": HTTP " + (int)status);
        Assert.True(r.ValueKind == JsonValueKind.Object, what + ": " + r);
        Assert.Equal("2.0", r.GetProperty("jsonrpc").GetString());
        Assert.Equal(id, r.GetProperty("id").GetInt32());
        bool hasResult = r.TryGetProperty("result", out _), hasError = r.TryGetProperty("error", out var e);
        Assert.True(hasResult ^ hasError, what + ": " + r);
        if (hasError)
        {
            Assert.Equal(JsonValueKind.Number, e.GetProperty("code").ValueKind);
            Assert.Equal(JsonValueKind.String, e.GetProperty("message").ValueKind);
        }
    }

    private static bool OptionsAnswered(int sipPort, string callId)
    {
        using var ua = new TestUa();
        ua.Send(sipPort, TestUa.Options($"sip:127.0.0.1:{sipPort}", callId, ua.Port));
        return ua.Receive(TimeSpan.FromSeconds(5)) is { StatusCode: 200 };
    }

    [Fact]
    public async Task Every_listed_method_answers_valid_JSON_RPC_with_and_without_parameters()
    {
        int httpPort = Osprey.Testing.TestPorts.Next();
        using var osprey = Start(httpPort, "");
        var (status, list) = await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"system.listMethods\",\"id\":1}");
        AssertValidResponse("system.listMethods", 1, status, list);
        var methods = list.GetProperty("result").EnumerateArray().Select(m => m.GetString()!).ToList();
        foreach (var m in new[] { "core.uptime", "tm.stats", "ul.dump", "ul.add", "stats.get_statistics", "cfg.reload", "ctl.listen" })
            Assert.Contains(m, methods);

        // Typical parameters for commands that need some; the rest are also called with none and with junk.
        var typical = new Dictionary<string, string>
        {
            ["system.methodHelp"] = "[\"core.uptime\"]",
            ["system.methodSignature"] = "[\"core.uptime\"]",
            ["stats.get_statistics"] = "[\"all\"]",
            ["stats.fetch"] = "[\"core:\"]",
            ["stats.fetchn"] = "[\"core:\"]",
            ["stats.reset_statistics"] = "[\"core:rcv_requests\"]",
            ["stats.clear_statistics"] = "[\"core:\"]",
            ["cnt.get"] = "[\"core\", \"rcv_requests\"]",
            ["cnt.reset"] = "[\"core\", \"rcv_requests\"]",
            ["cnt.var_list"] = "[\"core\"]",
            ["cnt.grp_get_all"] = "[\"core\"]",
            ["ul.add"] = "[\"location\", \"bob\", \"sip:bob@192.0.2.1\", 600, 0.5]",
            ["ul.lookup"] = "[\"location\", \"bob\"]",
            ["ul.rm_contact"] = "[\"location\", \"nobody\", \"sip:x@192.0.2.9\"]",
            ["ul.rm"] = "[\"location\", \"nobody\"]",
            ["tm.cancel"] = "[\"no-such-call\", \"1\"]",
            ["core.echo"] = "[\"a\", 1]",
            ["jsonrpc.echo"] = "[\"a\", 1]",
        };
        int id = 10;
        foreach (var m in methods)
        {
            foreach (var ps in new[] { null, typical.GetValueOrDefault(m, "[]"), "[{\"x\": [1, 2]}, null, true]" })
            {
                string body = "{\"jsonrpc\":\"2.0\",\"method\":\"" + m + "\"" + (ps is null ? "" : ",\"params\":" + ps) + ",\"id\":" + ++id + "}";
                var (st, r) = await Post(httpPort, body);
                AssertValidResponse(m + " " + (ps ?? "(no params)"), id, st, r);
                if (ps is not null && typical.TryGetValue(m, out var good) && ps == good && m is not ("ul.lookup" or "ul.rm" or "ul.rm_contact" or "tm.cancel"))
                    Assert.True(r.TryGetProperty("result", out _), m + " " + ps + ": " + r);
            }
        }
        // The typical calls did what they say: bob was added.
        var (_, bob) = await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"ul.lookup\",\"params\":[\"location\",\"bob\"],\"id\":2}");
        Assert.Equal("sip:bob@192.0.2.1", bob.GetProperty("result").GetProperty("Contacts")[0].GetProperty("Contact").GetProperty("Address").GetString());

        // Error codes (JSON-RPC 2.0 §5.1).
        Assert.Equal(-32700, (await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":")).Body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32601, (await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"no.such\",\"id\":3}")).Body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32602, (await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"ul.add\",\"params\":[\"location\",\"c\",\"sip:c@192.0.2.3\",\"soon\",0.5],\"id\":4}")).Body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32602, (await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"system.methodHelp\",\"params\":[[1]],\"id\":5}")).Body.GetProperty("error").GetProperty("code").GetInt32());

        Assert.False(osprey.HasExited);
        Assert.True(OptionsAnswered(osprey.Port, "after-rpc"));
    }

    [Fact]
    public async Task Core_tcp_info_shows_the_configured_limit_and_the_open_connections()
    {
        int httpPort = Osprey.Testing.TestPorts.Next();
        using var osprey = Start(httpPort, "tcp_max_connections=777");
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await c.ConnectAsync(IPAddress.Loopback, osprey.Port);
        JsonElement info = default;
        for (int i = 0; i < 50; i++)
        {
            var (status, r) = await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"core.tcp_info\",\"id\":1}");
            AssertValidResponse("core.tcp_info", 1, status, r);
            info = r.GetProperty("result");
            if (info.GetProperty("opened_connections").GetInt32() == 1) break;
            await Task.Delay(100);
        }
        Assert.Equal(777, info.GetProperty("max_connections").GetInt32());
        Assert.Equal(1, info.GetProperty("opened_connections").GetInt32());
    }

    [Fact]
    public async Task A_100_MB_body_is_refused_while_SIP_is_answered()
    {
        int httpPort = Osprey.Testing.TestPorts.Next();
        using var osprey = Start(httpPort, "");
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await c.ConnectAsync(IPAddress.Loopback, httpPort);
        await c.SendAsync(Encoding.ASCII.GetBytes($"POST /RPC HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {100L * 1024 * 1024}\r\n\r\n"));
        // The start of the body; the rest never comes. The refusal must not wait for it, and SIP is
        // answered while the connection hangs there.
        await c.SendAsync(new byte[64 * 1024]);
        var reply = new byte[4096];
        var answer = c.ReceiveAsync(reply, SocketFlags.None);
        for (int i = 0; i < 5; i++)
            Assert.True(OptionsAnswered(osprey.Port, "during-" + i));
        int n = await answer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 413", Encoding.ASCII.GetString(reply, 0, n));
        Assert.True(OptionsAnswered(osprey.Port, "after-413"));
        var (status, r) = await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":1}");
        AssertValidResponse("core.version", 1, status, r);
    }

    [Fact]
    public async Task Event_route_xhttp_request_runs_from_the_script_with_url_skip_and_url_match()
    {
        int httpPort = Osprey.Testing.TestPorts.Next();
        using var osprey = Start(httpPort, """
            modparam("xhttp", "url_skip", "^/RPC")
            modparam("xhttp", "url_match", "^/(hello|metrics|private)")
            event_route[xhttp:request] {
                if ($hu =~ "^/hello") {
                    xhttp_reply("200", "OK", "text/plain", "hello $hu from $si, $hdr(User-Agent)");
                    exit;
                }
                if ($hu =~ "^/metrics") {
                    prom_dispatch();
                    exit;
                }
                xhttp_reply("403", "Forbidden", "text/plain", "not here");
            }
            """);
        var baseUri = new Uri($"http://127.0.0.1:{httpPort}");
        using (var req = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/hello?name=x")))
        {
            req.Headers.UserAgent.ParseAdd("tester/1.0");
            using var resp = await Http.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Equal("text/plain", resp.Content.Headers.ContentType!.MediaType);
            Assert.Equal("hello /hello?name=x from 127.0.0.1, tester/1.0", await resp.Content.ReadAsStringAsync());
        }
        using (var resp = await Http.GetAsync(new Uri(baseUri, "/private")))
            Assert.Equal(HttpStatusCode.Forbidden, resp.StatusCode);
        using (var resp = await Http.GetAsync(new Uri(baseUri, "/metrics")))
        {
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Contains("osprey_core_rcv_requests ", await resp.Content.ReadAsStringAsync());
        }
        // url_match does not match: the route is not run, and nothing else serves the URL.
        using (var resp = await Http.GetAsync(new Uri(baseUri, "/elsewhere")))
            Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
        // url_skip: /RPC is served by jsonrpcs directly, not by the route (which would answer 403).
        var (status, r) = await Post(httpPort, "{\"jsonrpc\":\"2.0\",\"method\":\"core.version\",\"id\":7}");
        AssertValidResponse("core.version", 7, status, r);
        Assert.StartsWith("osprey ", r.GetProperty("result").GetString());
    }

    /// <summary>A scrape in Prometheus' text format, every line checked: sample name → value.</summary>
    private static async Task<Dictionary<string, double>> Scrape(int httpPort)
    {
        using var resp = await Http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/metrics"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.StartsWith("text/plain", resp.Content.Headers.ContentType!.ToString());
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await resp.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches(@"^# (HELP \S+ .*|TYPE \S+ (counter|gauge))$", line);
                continue;
            }
            int sp = line.LastIndexOf(' ');
            Assert.True(sp > 0, line);
            Assert.Matches(@"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$", line[..sp]);
            samples[line[..sp]] = double.Parse(line[(sp + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return samples;
    }

    [Fact]
    public async Task Prometheus_counters_move_as_SIPp_traffic_flows()
    {
        int httpPort = Osprey.Testing.TestPorts.Next();
        using var osprey = Start(httpPort, "");
        var before = await Scrape(httpPort);
        var dir = Directory.CreateTempSubdirectory("osprey-prom-sipp-").FullName;
        try
        {
            string P(int p) => p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var sipp = Sipp.Start(dir, "-sf", Sipp.Scenario("options.xml"), "-i", "127.0.0.1", "-p", P(Osprey.Testing.TestPorts.Next()),
                "-m", "300", "-r", "150", "-timeout", "30s", "-trace_stat", $"127.0.0.1:{osprey.Port}");
            Assert.Equal(0, sipp.Wait(TimeSpan.FromSeconds(60)));
            Assert.Equal(300, Sipp.Count(Sipp.LastStats(dir), "SuccessfulCall(C)"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        var after = await Scrape(httpPort);
        Assert.True(after["osprey_core_rcv_requests_options"] - before["osprey_core_rcv_requests_options"] >= 300);
        Assert.True(after["osprey_core_rcv_requests"] - before["osprey_core_rcv_requests"] >= 300);
        Assert.True(after["osprey_sl_sent_replies"] - before["osprey_sl_sent_replies"] >= 300);
        Assert.True(after["osprey_sl__200_replies"] - before["osprey_sl__200_replies"] >= 300);
        Assert.True(after["osprey_transport_udp_datagrams_received_total"] - before["osprey_transport_udp_datagrams_received_total"] >= 300);
    }
}

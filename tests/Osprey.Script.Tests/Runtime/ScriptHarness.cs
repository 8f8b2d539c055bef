using System.Net;
using System.Text;
using Osprey.Core;
using Osprey.Core.Pipeline;
using Osprey.Sip.Message;
using Osprey.Transport;

namespace Osprey.Script.Tests.Runtime;

/// <summary>Records what the pipeline sends instead of using sockets.</summary>
internal sealed class RecordingSender : ISipSender
{
    public readonly List<(SipProtocol Protocol, IPEndPoint To, byte[] Data)> Sent = [];

    public SendResult Send(SipProtocol protocol, IPEndPoint destination, ReadOnlySpan<byte> data, ListenEndpoint? from = null, long connectionId = 0, bool noConnect = false)
    {
        Sent.Add((protocol, destination, data.ToArray()));
        return SendResult.Sent;
    }

    public SipMessage Last()
    {
        Assert.NotEmpty(Sent);
        var m = SipMessage.ParseAndValidate(Sent[^1].Data, Framing.Datagram, out var err);
        Assert.False(err.IsError, err.ToString());
        return m!;
    }
}

/// <summary>
/// Compiles a config and runs messages through a real SipServer pipeline with an in-memory sender;
/// xlog output is captured per run.
/// </summary>
internal sealed class ScriptHarness : IDisposable
{
    public readonly TestConfig Files = new();
    public readonly StringWriter Log = new();
    public readonly RecordingSender Sender = new();
    public readonly ListenEndpoint Udp = new(SipProtocol.Udp, new IPEndPoint(IPAddress.Loopback, 5060));
    public ScriptLoadResult Result = null!;
    public SipServer Server = null!;

    public static ScriptHarness Compile(string cfg, IReadOnlyDictionary<string, string?>? defines = null)
    {
        var h = new ScriptHarness();
        var path = h.Files.Write("kamailio.cfg", cfg);
        h.Result = ScriptLoader.Load(path, defines ?? new Dictionary<string, string?>(), new ScriptLoadOptions { LogWriter = h.Log });
        if (h.Result.Success)
        {
            h.Server = new SipServer(new CoreSettings(), h.Result.Router!);
            h.Server.AttachTransport(h.Sender, [h.Udp]);
            var errors = h.Result.Router!.Start(h.Server);
            Assert.Empty(errors);
        }
        return h;
    }

    /// <summary>Compiles and asserts success.</summary>
    public static ScriptHarness Ok(string cfg)
    {
        var h = Compile(cfg);
        Assert.True(h.Result.Success, string.Join("\n", h.Result.Errors));
        return h;
    }

    public string Path => Files.MainPath;

    public static string Request(string method = "OPTIONS", string ruri = "sip:bob@127.0.0.1:5060", string extra = "", string body = "") =>
        $"{method} {ruri} SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:27462;branch=z9hG4bK-1;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: <sip:alice@example.com>;tag=ftag1\r\n" +
        "To: <sip:bob@example.com>\r\n" +
        "Call-ID: abcdef@h\r\n" +
        $"CSeq: 1 {method}\r\n" +
        extra +
        $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n" + body;

    /// <summary>Runs one message through the pipeline; returns the script's log lines (text after "&lt;script&gt;: ").</summary>
    public string[] Run(string message, string from = "127.0.0.1:27462")
    {
        Log.GetStringBuilder().Clear();
        Server.OnMessage(new InboundMessage(Encoding.UTF8.GetBytes(message), IPEndPoint.Parse(from), Udp, 0));
        return Lines(Log.ToString());
    }

    public static string[] Lines(string log) =>
        log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Contains("<script>: ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("<script>: ", StringComparison.Ordinal) + 10)..].TrimEnd('\r'))
            .ToArray();

    public void Dispose() => Files.Dispose();
}

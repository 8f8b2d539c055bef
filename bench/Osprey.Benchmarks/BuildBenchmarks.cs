using BenchmarkDotNet.Attributes;
using Osprey.Sip.Builder;
using Osprey.Sip.Message;

namespace Osprey.Benchmarks;

/// <summary>What a proxy writes for every request it forwards and every reply it generates: the edits
/// recorded against the received bytes, applied in one pass into a pooled buffer.</summary>
[MemoryDiagnoser]
public class BuildBenchmarks
{
    private static readonly byte[] Via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKsl0123456789abcdef"u8.ToArray();
    private static readonly byte[] NewRuri = "sip:bob@198.51.100.7:5062;transport=udp"u8.ToArray();
    private readonly MessageEditor _editor = new();
    private SipMessage _invite = null!;
    private int _maxForwards;

    [GlobalSetup]
    public void Setup()
    {
        _invite = SipMessage.ParseAndValidate(SampleMessages.Invite, Framing.Datagram, out var err)
            ?? throw new InvalidOperationException("sample INVITE does not parse");
        if (err.IsError) throw new InvalidOperationException(err.ToString());
        _maxForwards = _invite.IndexOf(HeaderId.MaxForwards);
    }

    /// <summary>A forwarded request: our Via on top, Request-URI rewritten, Max-Forwards decremented,
    /// written out.</summary>
    [Benchmark]
    [AllocationBudget(0)]
    [ThroughputFloor(1_000_000)]
    public int BuildForwardedRequest()
    {
        var ed = _editor;
        ed.Reset(_invite);
        ed.InsertHeaderFirst("Via"u8, Via);
        ed.SetRequestUri(NewRuri);
        ed.ReplaceHeaderValue(_maxForwards, "69"u8);
        using var bytes = ed.Apply();
        return bytes.Length;
    }

    /// <summary>A stateless reply (RFC 3261 §8.2.6) with a To-tag, received and rport.</summary>
    [Benchmark]
    [AllocationBudget(0)]
    public int BuildReply()
    {
        var opts = new ReplyOptions { ToTag = "a1b2c3d4e5f60718"u8, Received = "192.0.2.99"u8, Rport = 40000 };
        using var bytes = ReplyBuilder.Build(_invite, 180, "Ringing"u8, opts);
        return bytes.Length;
    }
}

using BenchmarkDotNet.Attributes;
using Osprey.Sip.Message;
using Osprey.Sip.Uri;

namespace Osprey.Benchmarks;

/// <summary>What a proxy does with every request before routing: parse, read the transaction and
/// dialog identifiers, and (b) validate.</summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private readonly ReadOnlyMemory<byte> _invite = SampleMessages.Invite;

    /// <summary>Parse and read the top Via branch, From tag, To URI (parsed), CSeq and Call-ID.</summary>
    [Benchmark(Baseline = true)]
    [AllocationBudget(Messages = 1)]
    [ThroughputFloor(1_000_000)]
    public int ParseInvite()
    {
        var m = SipMessage.Parse(_invite, Framing.Datagram, out var error)!;
        return Read(m) + (int)error.Kind;
    }

    /// <summary>Parse, then <see cref="SipMessage.Validate"/> (mandatory headers, every Via, From/To,
    /// CSeq, Contact), then the same reads (served from the views Validate cached).</summary>
    [Benchmark]
    [AllocationBudget(Messages = 1)]
    public int ParseAndValidateInvite()
    {
        var m = SipMessage.Parse(_invite, Framing.Datagram, out var error)!;
        var valid = m.Validate();
        return Read(m) + (int)error.Kind + (int)valid.Kind;
    }

    private SipMessage? _spare;

    /// <summary>What the receive loop does: parse and validate into the message object it parsed last
    /// (<see cref="SipMessage.ParseReusing"/>), then the same reads. Nothing is allocated.</summary>
    [Benchmark]
    [AllocationBudget(0)]
    public int ParseAndValidateReusing()
    {
        var m = SipMessage.ParseReusing(_spare, _invite, Framing.Datagram, out var error)!;
        _spare = m;
        var valid = m.Validate();
        return Read(m) + (int)error.Kind + (int)valid.Kind;
    }

    private static int Read(SipMessage m)
    {
        ref readonly var via = ref m.TopVia;
        ref readonly var to = ref m.To;
        SipUri toUri = to.Uri;
        ref readonly var cseq = ref m.CSeq;
        return via.Branch.Length + m.From.Tag.Length + toUri.Host.Length + toUri.User.Length
            + (int)cseq.Number + (int)cseq.Method + m.CallId.Length;
    }
}

/// <summary>URI parsing alone: one operation parses the four URIs of <see cref="SampleMessages.Uris"/>.</summary>
[MemoryDiagnoser]
public class UriBenchmarks
{
    private readonly ReadOnlyMemory<byte>[] _uris = [.. SampleMessages.Uris.Select(u => (ReadOnlyMemory<byte>)u)];
    private SipUri _a, _b;

    [GlobalSetup]
    public void Setup()
    {
        if (!SipUri.TryParse(_uris[1], out _a) || !SipUri.TryParse(SampleMessages.Uris[1].ToArray(), out _b))
        {
            throw new InvalidOperationException("sample URI does not parse");
        }
    }

    [Benchmark]
    [AllocationBudget(0)]
    public int ParseFourUris()
    {
        int n = 0;
        foreach (var u in _uris)
        {
            if (SipUri.TryParse(u, out var uri)) n += uri.Host.Length + uri.Port;
        }
        return n;
    }

    /// <summary>RFC 3261 §19.1.4 comparison of two equal Route URIs (the loose-routing check).</summary>
    [Benchmark]
    [AllocationBudget(0)]
    public bool CompareUris() => SipUri.Equivalent(_a, _b);
}

using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Osprey.Sip.Digest;

namespace Osprey.Benchmarks;

/// <summary>
/// MD5 of inputs the size digest authentication hashes (HA1 "user:realm:password" about 20–40 bytes,
/// HA2 "REGISTER:sip:host" about 30, the response about 80–110, up to 200 with long nonces): the
/// platform's MD5 (OpenSSL) against Osprey's managed <see cref="Md5"/>.
/// </summary>
[MemoryDiagnoser]
public class Md5Benchmarks
{
    private byte[] _data = [];
    private readonly byte[] _hash = new byte[16];

    [Params(20, 64, 200)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Length];
        new Random(Length).NextBytes(_data);
    }

    [Benchmark(Baseline = true)]
    [AllocationBudget(0)]
    public byte Platform()
    {
#pragma warning disable CA5351 // RFC 2617 digest: MD5 is what the protocol specifies
        MD5.HashData(_data, _hash);
#pragma warning restore CA5351
        return _hash[0];
    }

    [Benchmark]
    [AllocationBudget(0)]
    [ThroughputFloor(1_500_000)]
    public byte Managed()
    {
        Md5.HashData(_data, _hash);
        return _hash[0];
    }
}

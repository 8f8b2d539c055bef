using System.Buffers.Binary;
using System.Numerics;

namespace Osprey.Sip.Digest;

/// <summary>
/// SHA-512/256 (FIPS 180-4 §5.3.6.2, §6.7), which RFC 7616 §3 names "SHA-512-256" and .NET does
/// not provide. The round constants and initial values are derived at start-up from their
/// definitions (FIPS 180-4 §4.2.3, §5.3.5, §5.3.6) instead of being typed in.
/// </summary>
internal static class Sha512_256
{
    public const int HashSize = 32;

    private static readonly ulong[] K = DeriveRoundConstants();
    private static readonly ulong[] InitialHash = DeriveInitialHash();

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        Span<ulong> h = stackalloc ulong[8];
        InitialHash.CopyTo(h);
        Span<ulong> w = stackalloc ulong[80];
        Compress(h, w, source, out var tail);

        // FIPS 180-4 §5.1.2 padding: 0x80, zeros, 128-bit big-endian bit length.
        Span<byte> last = stackalloc byte[256];
        last.Clear();
        tail.CopyTo(last);
        last[tail.Length] = 0x80;
        int padded = tail.Length + 1 + 16 <= 128 ? 128 : 256;
        UInt128 bits = (UInt128)(ulong)source.Length * 8;
        BinaryPrimitives.WriteUInt128BigEndian(last[(padded - 16)..padded], bits);
        Compress(h, w, last[..padded], out _);

        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination[(i * 8)..], h[i]);
        }
    }

    private static void Compress(Span<ulong> h, Span<ulong> w, ReadOnlySpan<byte> data, out ReadOnlySpan<byte> tail)
    {
        while (data.Length >= 128)
        {
            for (int t = 0; t < 16; t++)
            {
                w[t] = BinaryPrimitives.ReadUInt64BigEndian(data[(t * 8)..]);
            }

            for (int t = 16; t < 80; t++)
            {
                ulong s0 = BitOperations.RotateRight(w[t - 15], 1) ^ BitOperations.RotateRight(w[t - 15], 8) ^ (w[t - 15] >> 7);
                ulong s1 = BitOperations.RotateRight(w[t - 2], 19) ^ BitOperations.RotateRight(w[t - 2], 61) ^ (w[t - 2] >> 6);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
            }

            ulong a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
            for (int t = 0; t < 80; t++)
            {
                ulong sum1 = BitOperations.RotateRight(e, 14) ^ BitOperations.RotateRight(e, 18) ^ BitOperations.RotateRight(e, 41);
                ulong ch = (e & f) ^ (~e & g);
                ulong t1 = hh + sum1 + ch + K[t] + w[t];
                ulong sum0 = BitOperations.RotateRight(a, 28) ^ BitOperations.RotateRight(a, 34) ^ BitOperations.RotateRight(a, 39);
                ulong maj = (a & b) ^ (a & c) ^ (b & c);
                ulong t2 = sum0 + maj;
                hh = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
            }

            h[0] += a;
            h[1] += b;
            h[2] += c;
            h[3] += d;
            h[4] += e;
            h[5] += f;
            h[6] += g;
            h[7] += hh;
            data = data[128..];
        }

        tail = data;
    }

    private static int[] FirstPrimes(int count)
    {
        var primes = new int[count];
        int n = 0;
        for (int candidate = 2; n < count; candidate++)
        {
            bool prime = true;
            for (int i = 0; i < n && primes[i] * primes[i] <= candidate; i++)
            {
                if (candidate % primes[i] == 0)
                {
                    prime = false;
                    break;
                }
            }

            if (prime)
            {
                primes[n++] = candidate;
            }
        }

        return primes;
    }

    /// <summary>FIPS 180-4 §4.2.3: first 64 bits of the fractional parts of the cube roots of the first 80 primes.</summary>
    private static ulong[] DeriveRoundConstants()
    {
        var primes = FirstPrimes(80);
        var k = new ulong[80];
        for (int i = 0; i < 80; i++)
        {
            k[i] = (ulong)(IntegerRoot(new BigInteger(primes[i]) << 192, 3) & ulong.MaxValue);
        }

        return k;
    }

    /// <summary>FIPS 180-4 §5.3.6: SHA-512 run with IV xor a5a5… over "SHA-512/256".</summary>
    private static ulong[] DeriveInitialHash()
    {
        // §5.3.5: SHA-512's IV is the fractional parts of the square roots of the first 8 primes.
        var primes = FirstPrimes(8);
        Span<ulong> h = stackalloc ulong[8];
        for (int i = 0; i < 8; i++)
        {
            h[i] = (ulong)(IntegerRoot(new BigInteger(primes[i]) << 128, 2) & ulong.MaxValue) ^ 0xa5a5a5a5a5a5a5a5UL;
        }

        Span<ulong> w = stackalloc ulong[80];
        Span<byte> block = stackalloc byte[128];
        block.Clear();
        "SHA-512/256"u8.CopyTo(block);
        block[11] = 0x80;
        block[127] = 11 * 8;
        Compress(h, w, block, out _);
        return h.ToArray();
    }

    private static BigInteger IntegerRoot(BigInteger value, int degree)
    {
        // Newton's method on integers: floor(value^(1/degree)).
        var x = BigInteger.One << (int)((value.GetBitLength() / degree) + 1);
        while (true)
        {
            var y = (((degree - 1) * x) + (value / BigInteger.Pow(x, degree - 1))) / degree;
            if (y >= x)
            {
                return x;
            }

            x = y;
        }
    }
}

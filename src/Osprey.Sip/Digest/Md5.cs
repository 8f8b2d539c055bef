using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Osprey.Sip.Digest;

/// <summary>
/// MD5 (RFC 1321) in managed code, for digest authentication's short inputs (20–200 bytes): there the
/// platform's MD5 (OpenSSL on Linux) costs more in call overhead — a context allocated, initialised and
/// freed per hash — than the one to four compressions themselves (bench/Osprey.Benchmarks Md5Benchmarks).
/// The sine table is derived from its definition (RFC 1321 §3.4) at start-up instead of being typed in.
/// </summary>
internal static class Md5
{
    public const int HashSize = 16;

    // T[i] = floor(2^32 * |sin(i + 1)|), i = 0..63 (RFC 1321 §3.4, which counts from 1)
    private static readonly uint[] T = DeriveSineTable();

    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        // RFC 1321 §3.3: the initial buffer A, B, C, D
        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
        int full = source.Length & ~63;
        for (int off = 0; off < full; off += 64)
        {
            Compress(ref a, ref b, ref c, ref d, source.Slice(off, 64));
        }

        // §3.1, §3.2: a 1 bit, zeros to 56 mod 64, then the bit length as 64 bits, low-order word first
        Span<byte> last = stackalloc byte[128];
        last.Clear();
        var tail = source[full..];
        tail.CopyTo(last);
        last[tail.Length] = 0x80;
        int padded = tail.Length + 1 + 8 <= 64 ? 64 : 128;
        BinaryPrimitives.WriteUInt64LittleEndian(last[(padded - 8)..], (ulong)source.Length * 8);
        Compress(ref a, ref b, ref c, ref d, last[..64]);
        if (padded == 128) Compress(ref a, ref b, ref c, ref d, last[64..]);

        // §3.5: A, B, C, D, each low-order byte first
        BinaryPrimitives.WriteUInt32LittleEndian(destination, a);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], b);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], c);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], d);
    }

    /// <summary>One 16-word block (RFC 1321 §3.4): four rounds of sixteen operations [abcd k s i], written
    /// out as the RFC lists them (each operation targets the word after the previous one's, a d c b).</summary>
    private static void Compress(ref uint ha, ref uint hb, ref uint hc, ref uint hd, ReadOnlySpan<byte> block)
    {
        uint x0 = BinaryPrimitives.ReadUInt32LittleEndian(block), x1 = BinaryPrimitives.ReadUInt32LittleEndian(block[4..]),
            x2 = BinaryPrimitives.ReadUInt32LittleEndian(block[8..]), x3 = BinaryPrimitives.ReadUInt32LittleEndian(block[12..]),
            x4 = BinaryPrimitives.ReadUInt32LittleEndian(block[16..]), x5 = BinaryPrimitives.ReadUInt32LittleEndian(block[20..]),
            x6 = BinaryPrimitives.ReadUInt32LittleEndian(block[24..]), x7 = BinaryPrimitives.ReadUInt32LittleEndian(block[28..]),
            x8 = BinaryPrimitives.ReadUInt32LittleEndian(block[32..]), x9 = BinaryPrimitives.ReadUInt32LittleEndian(block[36..]),
            x10 = BinaryPrimitives.ReadUInt32LittleEndian(block[40..]), x11 = BinaryPrimitives.ReadUInt32LittleEndian(block[44..]),
            x12 = BinaryPrimitives.ReadUInt32LittleEndian(block[48..]), x13 = BinaryPrimitives.ReadUInt32LittleEndian(block[52..]),
            x14 = BinaryPrimitives.ReadUInt32LittleEndian(block[56..]), x15 = BinaryPrimitives.ReadUInt32LittleEndian(block[60..]);
        uint a = ha, b = hb, c = hc, d = hd;

        // Round 1: F(x,y,z) = xy v not(x)z; k = i
        a = FF(a, b, c, d, x0, 7, T[0]);
        d = FF(d, a, b, c, x1, 12, T[1]);
        c = FF(c, d, a, b, x2, 17, T[2]);
        b = FF(b, c, d, a, x3, 22, T[3]);
        a = FF(a, b, c, d, x4, 7, T[4]);
        d = FF(d, a, b, c, x5, 12, T[5]);
        c = FF(c, d, a, b, x6, 17, T[6]);
        b = FF(b, c, d, a, x7, 22, T[7]);
        a = FF(a, b, c, d, x8, 7, T[8]);
        d = FF(d, a, b, c, x9, 12, T[9]);
        c = FF(c, d, a, b, x10, 17, T[10]);
        b = FF(b, c, d, a, x11, 22, T[11]);
        a = FF(a, b, c, d, x12, 7, T[12]);
        d = FF(d, a, b, c, x13, 12, T[13]);
        c = FF(c, d, a, b, x14, 17, T[14]);
        b = FF(b, c, d, a, x15, 22, T[15]);
        // Round 2: G(x,y,z) = xz v y not(z); k = (1 + 5i) mod 16
        a = GG(a, b, c, d, x1, 5, T[16]);
        d = GG(d, a, b, c, x6, 9, T[17]);
        c = GG(c, d, a, b, x11, 14, T[18]);
        b = GG(b, c, d, a, x0, 20, T[19]);
        a = GG(a, b, c, d, x5, 5, T[20]);
        d = GG(d, a, b, c, x10, 9, T[21]);
        c = GG(c, d, a, b, x15, 14, T[22]);
        b = GG(b, c, d, a, x4, 20, T[23]);
        a = GG(a, b, c, d, x9, 5, T[24]);
        d = GG(d, a, b, c, x14, 9, T[25]);
        c = GG(c, d, a, b, x3, 14, T[26]);
        b = GG(b, c, d, a, x8, 20, T[27]);
        a = GG(a, b, c, d, x13, 5, T[28]);
        d = GG(d, a, b, c, x2, 9, T[29]);
        c = GG(c, d, a, b, x7, 14, T[30]);
        b = GG(b, c, d, a, x12, 20, T[31]);
        // Round 3: H(x,y,z) = x xor y xor z; k = (5 + 3i) mod 16
        a = HH(a, b, c, d, x5, 4, T[32]);
        d = HH(d, a, b, c, x8, 11, T[33]);
        c = HH(c, d, a, b, x11, 16, T[34]);
        b = HH(b, c, d, a, x14, 23, T[35]);
        a = HH(a, b, c, d, x1, 4, T[36]);
        d = HH(d, a, b, c, x4, 11, T[37]);
        c = HH(c, d, a, b, x7, 16, T[38]);
        b = HH(b, c, d, a, x10, 23, T[39]);
        a = HH(a, b, c, d, x13, 4, T[40]);
        d = HH(d, a, b, c, x0, 11, T[41]);
        c = HH(c, d, a, b, x3, 16, T[42]);
        b = HH(b, c, d, a, x6, 23, T[43]);
        a = HH(a, b, c, d, x9, 4, T[44]);
        d = HH(d, a, b, c, x12, 11, T[45]);
        c = HH(c, d, a, b, x15, 16, T[46]);
        b = HH(b, c, d, a, x2, 23, T[47]);
        // Round 4: I(x,y,z) = y xor (x v not(z)); k = 7i mod 16
        a = II(a, b, c, d, x0, 6, T[48]);
        d = II(d, a, b, c, x7, 10, T[49]);
        c = II(c, d, a, b, x14, 15, T[50]);
        b = II(b, c, d, a, x5, 21, T[51]);
        a = II(a, b, c, d, x12, 6, T[52]);
        d = II(d, a, b, c, x3, 10, T[53]);
        c = II(c, d, a, b, x10, 15, T[54]);
        b = II(b, c, d, a, x1, 21, T[55]);
        a = II(a, b, c, d, x8, 6, T[56]);
        d = II(d, a, b, c, x15, 10, T[57]);
        c = II(c, d, a, b, x6, 15, T[58]);
        b = II(b, c, d, a, x13, 21, T[59]);
        a = II(a, b, c, d, x4, 6, T[60]);
        d = II(d, a, b, c, x11, 10, T[61]);
        c = II(c, d, a, b, x2, 15, T[62]);
        b = II(b, c, d, a, x9, 21, T[63]);

        ha += a;
        hb += b;
        hc += c;
        hd += d;
    }

    // a = b + ((a + f(b,c,d) + X[k] + T[i]) <<< s)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FF(uint a, uint b, uint c, uint d, uint x, int s, uint t) => b + BitOperations.RotateLeft(a + ((b & c) | (~b & d)) + x + t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint GG(uint a, uint b, uint c, uint d, uint x, int s, uint t) => b + BitOperations.RotateLeft(a + ((b & d) | (c & ~d)) + x + t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HH(uint a, uint b, uint c, uint d, uint x, int s, uint t) => b + BitOperations.RotateLeft(a + (b ^ c ^ d) + x + t, s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint II(uint a, uint b, uint c, uint d, uint x, int s, uint t) => b + BitOperations.RotateLeft(a + (c ^ (b | ~d)) + x + t, s);

    private static uint[] DeriveSineTable()
    {
        var t = new uint[64];
        for (int i = 0; i < 64; i++) t[i] = (uint)Math.Floor(4294967296.0 * Math.Abs(Math.Sin(i + 1)));
        return t;
    }
}

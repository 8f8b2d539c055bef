namespace Osprey.Fuzz;

/// <summary>Byte-level mutations for the in-process mode, biased towards the characters SIP's grammar
/// turns on (separators, quotes, brackets, escapes, line ends).</summary>
internal static class Mutator
{
    private static readonly byte[] Interesting = "\r\n \t:;,<>\"\\@[]%=?/&*0123456789z"u8.ToArray();

    public static byte[] Mutate(Random rng, byte[] seed, List<byte[]> corpus)
    {
        var b = new List<byte>(seed);
        int rounds = 1 + rng.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            int at = b.Count == 0 ? 0 : rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0 when b.Count > 0:
                    b[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when b.Count > 0:
                    b[at] = Interesting[rng.Next(Interesting.Length)];
                    break;
                case 2:
                    b.Insert(at, Interesting[rng.Next(Interesting.Length)]);
                    break;
                case 3 when b.Count > 0:
                    b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(16)));
                    break;
                case 4 when b.Count > 0:
                {
                    int len = Math.Min(b.Count - at, 1 + rng.Next(64));
                    var chunk = b.GetRange(at, len);
                    for (int k = rng.Next(1, 8); k > 0; k--) b.InsertRange(at, chunk);
                    break;
                }
                case 5:
                {
                    var other = corpus[rng.Next(corpus.Count)];
                    if (other.Length == 0) break;
                    int s = rng.Next(other.Length);
                    b.InsertRange(at, other.AsSpan(s, Math.Min(other.Length - s, 1 + rng.Next(128))).ToArray());
                    break;
                }
                case 6 when b.Count > 0:
                    b.RemoveRange(at, b.Count - at);
                    break;
                case 7 when b.Count > 0:
                    b[at] = (byte)rng.Next(256);
                    break;
            }
        }
        return [.. b];
    }
}

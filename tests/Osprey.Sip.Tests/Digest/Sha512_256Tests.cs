using System.Text;
using Osprey.Sip.Digest;

namespace Osprey.Sip.Tests.Digest;

public class Sha512_256Tests
{
    // FIPS 180-4 / NIST example for "abc"; the rest cross-checked with `openssl dgst -sha512-256`
    // at the padding boundaries (111/112 bytes: one vs two final blocks; 128: exact block).
    [Theory]
    [InlineData("abc", "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23")]
    [InlineData("", "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a")]
    [InlineData("a*111", "0239e429f98d0ed61ee8e2a7c30afe98c1c3a80ce5dff62a107e9c538f7632ce")]
    [InlineData("a*112", "9216b5303edb66504570bee90e48ea5beaa5e9fe9f760bbd3e0460559fc005f6")]
    [InlineData("a*127", "2fe3b2a6ee7e12f6fe4ba82166541ad9b4ed882c493581cbe300d68f3757b778")]
    [InlineData("a*128", "b88f97e274f9c1d49f181c8cbd01a9c74930ad055a46ac4499a1d601f1c80bf2")]
    [InlineData("a*239", "78d0a1b37aaad84c89fff13cbe3cd3d1025bcdb648268f9102b7e7032bea7d2a")]
    [InlineData("a*1000", "40eb4a70d4d69815407a9e272f0101cd67e3d11262a4a0bfc087712749c7fb53")]
    public void Matches_reference_digests(string input, string expectedHex)
    {
        byte[] data = input.Contains('*', StringComparison.Ordinal)
            ? Encoding.ASCII.GetBytes(new string(input[0], int.Parse(input[2..])))
            : Encoding.ASCII.GetBytes(input);
        var hash = new byte[32];
        Sha512_256.HashData(data, hash);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(hash));
    }
}
